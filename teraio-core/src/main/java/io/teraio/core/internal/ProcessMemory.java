package io.teraio.core.internal;

import io.teraio.core.TeraioException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * This process's memory as the operating system counts it, from Linux's
 * {@code /proc/self/status}: everything resident (the Java heap, native allocations such as
 * PyTorch's tensors, libraries, thread stacks), not only what teraio tracks. Elsewhere (no
 * {@code /proc}) {@link #read()} is empty and {@link #unavailableReason()} says why; nothing
 * throws.
 *
 * @param rssBytes     resident now ({@code VmRSS})
 * @param peakRssBytes the most resident at once since the process started or since
 *                     {@link #resetPeak()} ({@code VmHWM})
 */
public record ProcessMemory(long rssBytes, long peakRssBytes) {
    /** The value JSON files carry for a figure the operating system did not give. */
    public static final long UNAVAILABLE = -1;

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final Path PAGEMAP = Path.of("/proc/self/pagemap");
    /** The page size {@link #residentBytes} counts in (x86-64 and most Linux systems). */
    static final long PAGE_BYTES = 4096;
    /** Bit 63 of a pagemap entry: the page is in RAM. */
    private static final long PRESENT = 1L << 63;

    /** The memory now, or empty when the operating system does not tell (see {@link #unavailableReason()}). */
    public static Optional<ProcessMemory> read() {
        try {
            return Optional.of(parse(Files.readString(STATUS, StandardCharsets.US_ASCII)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code VmHWM} now, or {@link #UNAVAILABLE}. */
    public static long peakRssBytesNow() {
        return read().map(ProcessMemory::peakRssBytes).orElse(UNAVAILABLE);
    }

    /** Why {@link #read()} is empty, or null when it is not. */
    public static String unavailableReason() {
        try {
            parse(Files.readString(STATUS, StandardCharsets.US_ASCII));
            return null;
        } catch (IOException e) {
            return "cannot read " + STATUS + " (" + e + "): the process's memory is measured on Linux only";
        } catch (TeraioException e) {
            return e.getMessage();
        }
    }

    /**
     * How many bytes of {@code [address, address + length)} of this process are in RAM now,
     * page by page, from Linux's {@code /proc/self/pagemap} (bit 63 of each page's entry: present;
     * a page swapped out or never touched is not): for a mapping whose pages stay once touched
     * (an arena), what the system has given to it at most, measured by the system and not by
     * whoever allocates from it. Partial pages at either end count whole.
     *
     * @return the resident bytes, or {@link #UNAVAILABLE} where pagemap cannot be read
     */
    public static long residentBytes(long address, long length) {
        if (length <= 0) {
            return 0;
        }
        long first = Long.divideUnsigned(address, PAGE_BYTES);
        long pages = Long.divideUnsigned(address + length - 1, PAGE_BYTES) - first + 1;
        long present = 0;
        ByteBuffer entries = ByteBuffer.allocate(8 * 4096).order(ByteOrder.nativeOrder());
        try (FileChannel pagemap = FileChannel.open(PAGEMAP)) {
            for (long done = 0; done < pages; ) {
                entries.clear().limit((int) Math.min(entries.capacity(), 8 * (pages - done)));
                int n = pagemap.read(entries, 8 * (first + done));
                if (n < 8) {
                    return UNAVAILABLE;
                }
                entries.flip();
                int whole = n / 8;
                for (int i = 0; i < whole; i++) {
                    if ((entries.getLong(8 * i) & PRESENT) != 0) {
                        present++;
                    }
                }
                done += whole;
            }
        } catch (IOException | RuntimeException e) {
            return UNAVAILABLE;
        }
        return present * PAGE_BYTES;
    }

    /**
     * Sets the peak ({@code VmHWM}) back to what is resident now, by writing {@code 5} to
     * {@code /proc/self/clear_refs} (Linux 4.0 and later).
     *
     * @return whether the peak was reset; false where the operating system does not allow it
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5", StandardCharsets.US_ASCII);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Reads {@code VmRSS} and {@code VmHWM} from the text of {@code /proc/PID/status}.
     *
     * @throws TeraioException naming the field that is missing or not a {@code kB} count
     */
    static ProcessMemory parse(String status) {
        return new ProcessMemory(kibField(status, "VmRSS") * 1024, kibField(status, "VmHWM") * 1024);
    }

    private static long kibField(String status, String name) {
        for (String line : status.split("\n")) {
            if (line.startsWith(name + ":")) {
                String value = line.substring(name.length() + 1).strip();
                if (value.endsWith(" kB")) {
                    try {
                        return Long.parseLong(value.substring(0, value.length() - 3).strip());
                    } catch (NumberFormatException e) {
                        break;
                    }
                }
                break;
            }
        }
        throw new TeraioException(STATUS + ": no '" + name + ": N kB' line, so the process's memory is unknown");
    }
}
