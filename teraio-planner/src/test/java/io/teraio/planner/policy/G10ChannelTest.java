package io.teraio.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** G10's bandwidth buckets: three ops of 1 ms, an SSD channel of 1 GB/s beside a 1.5 GB/s link. */
class G10ChannelTest {
    private static final long MB = 1_000_000;
    private static final long[] OPS = {1_000_000, 1_000_000, 1_000_000};

    @Test
    void storageClaimsFillForwardAndChargeTheLink() {
        G10Channel ssd = new G10Channel(1_000_000_000L, OPS);
        G10Channel link = new G10Channel(1_500_000_000L, OPS);
        assertEquals(1, ssd.forward(3 * MB / 2, 0));
        assertEquals(1, ssd.backward(3 * MB / 2, 3));
        assertEquals(2, ssd.forward(10 * MB, 0), "the last bucket when the rest cannot hold it");
        assertEquals(0, ssd.backward(10 * MB, 3), "bucket 0 when the buckets before cannot hold it");
        ssd.claimStorage(3 * MB / 2, 0, link);
        // bucket 0 runs out (full), bucket 1 takes the other 0.5 MB; the link is charged alike
        assertTrue(ssd.full(0));
        assertEquals(0, ssd.offers(0));
        assertEquals(MB / 2, ssd.offers(1));
        assertEquals(MB / 2, link.offers(0));
        assertEquals(MB, link.offers(1));
        assertFalse(ssd.anyNotFull(0, 1));
        assertTrue(ssd.anyNotFull(0, 2));
        assertEquals(2, ssd.forward(MB * 6 / 10, 0));
        assertEquals(2, ssd.backward(MB * 6 / 10, 3), "bucket 2 offers 1 MB: the fill starts there");
    }

    @Test
    void linkClaimsSpillIntoTheStorageChannelOnceThePcieLeftOverIsUsed() {
        G10Channel ssd = new G10Channel(1_000_000_000L, OPS);
        G10Channel link = new G10Channel(1_500_000_000L, OPS);
        ssd.claimStorage(3 * MB / 2, 0, link);
        link.claimLink(8 * MB / 10, 0, ssd);
        // bucket 0 of the link runs out (and so, marked full, does the SSD's); 0.3 MB in bucket 1
        // makes the link's claims 0.8 MB there, 0.3 MB past the 0.5 MB the SSD leaves it
        assertTrue(link.full(0));
        assertEquals(7 * MB / 10, link.offers(1));
        assertEquals(8 * MB / 10, ssd.claimed(1));
        // G10 charges the whole excess again at each claim: 0.1 MB more makes it 0.4 MB more
        link.claimLink(MB / 10, 1, ssd);
        assertTrue(ssd.full(1));
        assertEquals(ssd.capacity(1), ssd.claimed(1));
    }
}
