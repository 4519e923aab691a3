package io.teraio.gds;

/** Run by {@link GdsFakeCufileIT} in a child JVM: prints the shim's state, then whether GDS is available and the cause. */
public final class FakeCufileChild {
    private FakeCufileChild() {
    }

    public static void main(String[] args) {
        System.out.println("shim " + (Gds.shim().available() ? "loaded: " : "unavailable: ") + Gds.shim().reason());
        System.out.println(Gds.isAvailable() ? "available: " + Gds.availability().reason()
                : "unavailable: " + Gds.unavailabilityCause());
    }
}
