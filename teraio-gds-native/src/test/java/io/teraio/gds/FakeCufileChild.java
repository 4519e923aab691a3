package io.teraio.gds;

/** Run by {@link GdsFakeCufileIT} in a child JVM: prints whether GDS is available and the cause. */
public final class FakeCufileChild {
    private FakeCufileChild() {
    }

    public static void main(String[] args) {
        System.out.println(Gds.isAvailable() ? "available: " + Gds.availability().reason()
                : "unavailable: " + Gds.unavailabilityCause());
    }
}
