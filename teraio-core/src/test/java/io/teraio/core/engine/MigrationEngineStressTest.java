package io.teraio.core.engine;

import static io.teraio.core.engine.EngineTesting.MIB;
import static io.teraio.core.engine.EngineTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.storage.HostStorageBackend;
import io.teraio.core.storage.PosixStorageBackend;
import io.teraio.core.storage.RunDirectory;
import io.teraio.core.storage.StorageBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 random register, offload, prefetch, acquire, rewrite and free operations from four
 * threads over 200 tensors of 1 B to 8 MiB, on two SSD files and the host tier, in 48 MiB of
 * device memory (far less than the tensors need, so prefetches and fetches wait for memory
 * that offloads free). Every acquire checks every byte against the tensor's current content.
 * A tensor's test-side lock is held while it is operated on (as training never frees or
 * rewrites a tensor an op is using); an evictor thread offloads resident tensors whenever
 * more than half the memory is in use.
 */
class MigrationEngineStressTest {
    private static final int TENSORS = 200;
    private static final int OPERATIONS = 10_000;
    private static final int THREADS = 4;
    private static final long CAPACITY_BYTES = 48 * MIB;
    private static final long MAX_TENSOR_BYTES = 8 * MIB;
    private static final int[] TARGETS = {0, 1, IoEngine.HOST};

    @TempDir
    Path tmp;

    /** The test's view of one tensor, guarded by its lock. */
    private static final class Tensor {
        final String key;
        final ReentrantLock lock = new ReentrantLock();
        boolean registered;
        long version;

        Tensor(String key) {
            this.key = key;
        }

        long seed() {
            return TensorBytes.seed(key, version);
        }
    }

    private final Queue<CompletableFuture<Long>> futures = new ConcurrentLinkedQueue<>();
    private final AtomicLong checks = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void everyAcquireSeesTheBytesLastWritten() throws Exception {
        RunDirectory run0 = RunDirectory.create(tmp.resolve("nvme0"));
        RunDirectory run1 = RunDirectory.create(tmp.resolve("nvme1"));
        List<StorageBackend> ssds = List.of(new PosixStorageBackend(run0, 0, 64 * MIB),
                new PosixStorageBackend(run1, 1, 0));
        StorageBackend host = new HostStorageBackend(512 * MIB);
        IoEngine io = new IoEngine(ssds, host, config("io.taskSize", "1m", "io.queueDepth", "4", "io.threads", "2",
                "verify", "true"));
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < TENSORS; i++) {
            tensors.add(new Tensor("layer" + i + ".weight"));
        }
        try (MigrationEngine engine = new MigrationEngine(io, new HostDeviceMemory(CAPACITY_BYTES))) {
            AtomicBoolean done = new AtomicBoolean();
            Thread evictor = new Thread(() -> evict(engine, tensors, done), "stress-evictor");
            evictor.start();
            ExecutorService workers = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = 1000 + t;
                results.add(workers.submit(() -> {
                    work(engine, tensors, seed, OPERATIONS / THREADS);
                    return null;
                }));
            }
            try {
                for (Future<?> r : results) {
                    r.get();
                }
            } finally {
                done.set(true);
                evictor.join();
                workers.shutdownNow();
            }
            for (CompletableFuture<Long> f : futures) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                } catch (CancellationException e) {
                    // a prefetch whose tensor was freed while it waited for memory is cancelled: its
                    // future completes with the CancellationException itself, which get() throws as it is
                } catch (ExecutionException e) {
                    assertTrue(e.getCause() instanceof CancellationException, String.valueOf(e.getCause()));
                }
            }
            for (Tensor t : tensors) {
                if (t.registered) {
                    TensorBytes.check(engine.acquire(t.key), t.seed(), t.key + " at the end");
                    engine.free(t.key);
                }
            }
            EngineStats stats = engine.stats();
            assertEquals(0, engine.memory().usedBytes(), "every buffer freed");
            assertTrue(engine.memory().peakUsedBytes() <= CAPACITY_BYTES);
            for (StorageBackend b : ssds) {
                assertEquals(0, b.allocatedBytes(), "all space released on " + b.location());
            }
            assertEquals(0, host.allocatedBytes());
            assertEquals(0, stats.failedWrites() + stats.failedReads() + stats.crcMismatches(), stats.toString());
            assertTrue(stats.offloads() > 1000 && stats.prefetches() > 100 && stats.misses() > 100, stats.toString());
            assertTrue(stats.stallNs() > 0 && evictions.get() > 0, "the memory cap forced waiting");
            assertTrue(checks.get() > 2000, "acquires checked: " + checks.get());
        } finally {
            for (StorageBackend b : ssds) {
                b.close();
            }
            host.close();
            run0.close();
            run1.close();
        }
    }

    private void work(MigrationEngine engine, List<Tensor> tensors, long seed, int operations) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < operations; i++) {
            Tensor t = tensors.get(random.nextInt(tensors.size()));
            boolean urgent = random.nextInt(4) == 0;
            int target = TARGETS[random.nextInt(TARGETS.length)];
            int dice = random.nextInt(100);
            t.lock.lock();
            try {
                if (!t.registered) {
                    long bytes = Math.max(1, (long) Math.exp(random.nextDouble() * Math.log(MAX_TENSOR_BYTES)));
                    DeviceBuffer buffer = engine.memory().allocate(bytes, TimeUnit.SECONDS.toNanos(60));
                    t.version++;
                    TensorBytes.fill(buffer, t.seed());
                    engine.register(t.key, buffer);
                    t.registered = true;
                } else if (dice < 25) {
                    futures.add(engine.offload(t.key, target, urgent));
                } else if (dice < 45) {
                    futures.add(engine.prefetch(t.key, urgent));
                } else if (dice < 80) {
                    TensorBytes.check(engine.acquire(t.key), t.seed(), t.key + " v" + t.version);
                    checks.incrementAndGet();
                } else if (dice < 90) {
                    DeviceBuffer buffer = engine.acquire(t.key);
                    t.version++;
                    TensorBytes.fill(buffer, t.seed());
                } else {
                    engine.free(t.key);
                    t.registered = false;
                }
            } finally {
                t.lock.unlock();
            }
        }
    }

    private void evict(MigrationEngine engine, List<Tensor> tensors, AtomicBoolean done) {
        SplittableRandom random = new SplittableRandom(7);
        while (!done.get()) {
            if (engine.memory().usedBytes() <= CAPACITY_BYTES / 2) {
                LockSupport.parkNanos(200_000);
                continue;
            }
            Tensor t = tensors.get(random.nextInt(tensors.size()));
            if (t.lock.tryLock()) {
                try {
                    if (engine.state(t.key) == TensorState.RESIDENT) {
                        futures.add(engine.offload(t.key, TARGETS[random.nextInt(TARGETS.length)], false));
                        evictions.incrementAndGet();
                    }
                } finally {
                    t.lock.unlock();
                }
            }
        }
    }
}
