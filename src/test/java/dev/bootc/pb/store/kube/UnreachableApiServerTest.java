package dev.bootc.pb.store.kube;

import dev.bootc.pb.api.PbException;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An API server that is not there: the error says why, on one line, at once. */
class UnreachableApiServerTest {
    @Test
    void aRefusedConnectionIsNamed() {
        var config = new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").withRequestRetryBackoffLimit(1).build();
        try (KubeVmStore store = new KubeVmStore(new KubernetesClientBuilder().withConfig(config).build(), true)) {
            long t0 = System.nanoTime();
            PbException e = assertThrows(PbException.class, () -> store.list("default"));
            System.out.println(e.getMessage());
            assertTrue(e.getMessage().toLowerCase().contains("connect"), e.getMessage());
            assertTrue(e.getMessage().contains("is the API server up?"), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "fails within 10 s");
        }
    }
}
