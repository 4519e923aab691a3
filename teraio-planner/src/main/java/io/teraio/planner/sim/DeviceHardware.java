package io.teraio.planner.sim;

import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import java.util.List;

/**
 * The hardware one device's simulation runs on, in the simulation's units (bytes, bytes per ns,
 * ns): the device's memory and PCIe link (each direction), the SSDs by id, and the host memory
 * offloaded tensors may take. The engine model of a profile with {@code probe} results is
 * {@link LaneModel}, shared by the devices of a job.
 *
 * @param memoryBytes        device memory for tensors
 * @param pcieBytesPerNs     the device's PCIe link, per direction
 * @param ssdReadBytesPerNs  per SSD id; the three SSD arrays have one element per SSD
 * @param ssdWriteBytesPerNs per SSD id
 * @param ssdLatencyNs       per SSD id
 * @param hostMemoryBytes    host memory for offloaded tensors, of all devices together
 */
record DeviceHardware(long memoryBytes, double pcieBytesPerNs, double[] ssdReadBytesPerNs,
                      double[] ssdWriteBytesPerNs, long[] ssdLatencyNs, long hostMemoryBytes) {
    /** The PCIe link's directions: towards the device (prefetches), towards the host (offloads). */
    static final int TO_DEVICE = 0;
    static final int TO_HOST = 1;

    /** Unlimited device and host memory, no SSDs: the ideal run. */
    static final DeviceHardware UNLIMITED = new DeviceHardware(Long.MAX_VALUE, 1.0, new double[0], new double[0],
            new long[0], Long.MAX_VALUE);

    /** Device {@code device} of {@code hardware}, with the profile's SSDs and host memory. */
    static DeviceHardware of(HardwareProfile hardware, int device) {
        List<Ssd> ssds = hardware.ssds();
        double[] read = new double[ssds.size()];
        double[] write = new double[ssds.size()];
        long[] latency = new long[ssds.size()];
        for (int i = 0; i < ssds.size(); i++) {
            read[i] = ssds.get(i).readBytesPerSecond() / 1e9;
            write[i] = ssds.get(i).writeBytesPerSecond() / 1e9;
            latency[i] = ssds.get(i).latencyNs();
        }
        Device d = hardware.devices().get(device);
        return new DeviceHardware(d.memoryBytes(), d.pcieBytesPerSecond() / 1e9, read, write, latency,
                hardware.hostMemoryBytes());
    }

    /** The link direction a transfer moves in. */
    static int link(boolean offload) {
        return offload ? TO_HOST : TO_DEVICE;
    }

    /** How many SSDs there are. */
    int ssds() {
        return ssdReadBytesPerNs.length;
    }
}
