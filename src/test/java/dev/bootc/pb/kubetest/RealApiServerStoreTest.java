package dev.bootc.pb.kubetest;

import dev.bootc.pb.store.VmStore;
import dev.bootc.pb.store.VmStoreContract;
import dev.bootc.pb.store.kube.KubeVmStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInfo;

/** The store contract on the real upstream API server (CRD as committed): the same cases the file store and the mock server pass. */
@Tag("apiserver")
class RealApiServerStoreTest extends VmStoreContract {
    static RealApiServer server;
    KubeVmStore store;
    String namespace;

    @BeforeAll
    static void server() {
        server = RealApiServer.shared();
        server.applyCommittedCrd();
    }

    @BeforeEach
    void open(TestInfo info) {
        store = new KubeVmStore(server.client(), false);
        String m = info.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
        namespace = "real-" + m.substring(0, Math.min(20, m.length()));
    }

    @Override
    protected VmStore store() {
        return store;
    }

    @Override
    protected String namespace() {
        return namespace;
    }
}
