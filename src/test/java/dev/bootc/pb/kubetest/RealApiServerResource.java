package dev.bootc.pb.kubetest;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Points a Quarkus test's Kubernetes client at the real upstream API server (with the committed CRD). */
public class RealApiServerResource implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        RealApiServer server = RealApiServer.shared();
        server.applyCommittedCrd();
        return Map.of("quarkus.kubernetes-client.api-server-url", server.baseUrl(),
                "quarkus.kubernetes-client.trust-certs", "true",
                "quarkus.kubernetes-client.token", "pb-test",
                "quarkus.kubernetes-client.namespace", "default");
    }

    @Override
    public void stop() {
        // the JVM's shared server stops with the JVM
    }
}
