package dev.bootc.pb.kubetest;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.driver.kube.NodeClaims;
import dev.bootc.pb.store.kube.KubeVmStore;
import dev.bootc.pb.testing.FakeWorld;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** On the real API server: BootcVms without a node label are labelled, and those without a node are claimed by exactly one of several operators. */
@Tag("apiserver")
class NodeClaimsRealServerTest {

    @Test
    void everyUnassignedVmIsClaimedByExactlyOneOperatorAndLabelled() throws Exception {
        RealApiServer server = RealApiServer.shared();
        server.applyCommittedCrd();
        KubeVmStore store = new KubeVmStore(server.client(), false);
        String ns = "claims";
        for (int i = 0; i < 20; i++) store.create(new BootcVm(ns, "free-" + i, new BootcVmSpec("img")));
        BootcVmSpec named = new BootcVmSpec("img");
        named.setNodeName("node-b");
        store.create(new BootcVm(ns, "named", named)); // applied with a node but no label, as kubectl would
        List<NodeClaims> claimers = List.of("node-a", "node-b", "node-c").stream()
                .map(n -> new NodeClaims(server.client(), new FakeWorld().domains, n)).toList();
        try {
            claimers.forEach(NodeClaims::start);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> store.list(ns).stream()
                    .allMatch(v -> v.getMetadata().getLabels() != null && v.getMetadata().getLabels().containsKey(BootcVm.NODE_LABEL)));
        } finally {
            claimers.forEach(NodeClaims::close);
        }
        List<BootcVm> vms = store.list(ns);
        assertEquals(21, vms.size());
        for (BootcVm v : vms) {
            String node = v.getSpec().getNodeName();
            assertTrue(List.of("node-a", "node-b", "node-c").contains(node), v.key() + " has node " + node);
            assertEquals(Map.of(BootcVm.NODE_LABEL, node), v.getMetadata().getLabels(), v.key() + ": labelled with its node");
        }
        assertEquals("node-b", vms.stream().filter(v -> v.getMetadata().getName().equals("named")).findFirst().orElseThrow().getSpec().getNodeName(),
                "a VM that names its node keeps it");
        // exactly one claim each: a claim is an update on the resourceVersion read, so a second one conflicts
        for (BootcVm v : vms) {
            long generation = v.getMetadata().getGeneration();
            assertTrue(generation <= 2, v.key() + " was claimed more than once: generation " + generation);
        }
    }
}
