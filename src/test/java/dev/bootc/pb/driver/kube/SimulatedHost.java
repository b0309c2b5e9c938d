package dev.bootc.pb.driver.kube;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.boot.Config;
import dev.bootc.pb.boot.Root;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.store.kube.KubeBootcVm;
import dev.bootc.pb.store.kube.KubeEvents;
import dev.bootc.pb.store.kube.KubeVmStore;
import dev.bootc.pb.testing.TestDriverWorld;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Ignore;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One host of the multi-host simulation (bench/run section 5): pb's Kubernetes operator for one node
 * (the controller, its label-selected informer and the claims of unassigned VMs, on the plain Java
 * Operator SDK instead of Quarkus) against a real API server, on this process's own libvirt
 * {@code test:///default} (real libvirt calls; images and base disks stood in for, no guest boots).
 * Prints {@code ready} once started; on SIGTERM writes the names of the domains it defined to OUT.
 *
 * <p>Usage: {@code SimulatedHost NODE KUBECONFIG WORKDIR OUT}.
 */
public final class SimulatedHost {
    private SimulatedHost() {
    }

    /**
     * The controller as the plain SDK takes it (it finds the resource type on a direct Reconciler only);
     * {@code @Ignore}: the Quarkus extension must not take it for a second reconciler in the tests' index.
     */
    @Ignore
    @ControllerConfiguration(name = "bootcvm", finalizerName = BootcVm.FINALIZER, generationAwareEventProcessing = false)
    static final class Plain implements Reconciler<KubeBootcVm>, Cleaner<KubeBootcVm> {
        private final BootcVmController c;

        Plain(BootcVmController c) {
            this.c = c;
        }

        @Override
        public UpdateControl<KubeBootcVm> reconcile(KubeBootcVm resource, Context<KubeBootcVm> context) throws Exception {
            return c.reconcile(resource, context);
        }

        @Override
        public DeleteControl cleanup(KubeBootcVm resource, Context<KubeBootcVm> context) throws Exception {
            return c.cleanup(resource, context);
        }

        @Override
        public List<EventSource<?, KubeBootcVm>> prepareEventSources(EventSourceContext<KubeBootcVm> context) {
            return c.prepareEventSources(context);
        }
    }

    public static void main(String[] args) throws Exception {
        java.util.logging.LogManager.getLogManager().reset();
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.SEVERE);
        String node = args[0];
        Path kubeconfig = Path.of(args[1]);
        Path dir = Path.of(args[2]);
        Path out = Path.of(args[3]);
        Files.createDirectories(dir);
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(Files.readString(kubeconfig))).build();
        TestDriverWorld world = new TestDriverWorld(dir);
        Config config = Config.load(Map.of("PB_DATA_DIR", dir.resolve("data").toString(), "PB_IMAGES_DIR", dir.resolve("images").toString(),
                "PB_LIBVIRT_URI", "test:///default", "NODE_NAME", node, "PB_STORE", "kube",
                "PB_LEADER_ELECTION", "false"), "sim", dir, Config.Options.none());
        Root root = new Root(config, world.parts(new KubeVmStore(client, false), new KubeEvents(client, node)));
        ControllerWiring wiring = new ControllerWiring();
        root.wire(wiring, node);
        BootcVmController controller = new BootcVmController();
        controller.wiring = wiring;
        Operator operator = new Operator(o -> o.withKubernetesClient(client).withStopOnInformerErrorDuringStartup(true));
        operator.register(new Plain(controller), controller::updateConfigurationFrom);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                String names = world.domains.listOwned().stream().map(Domain::name).sorted().collect(Collectors.joining("\n"));
                Files.writeString(out, names.isEmpty() ? "" : names + "\n");
            } catch (Exception e) {
                System.err.println("cannot write " + out + ": " + e);
            }
        }, "sim-host-report"));
        operator.start();
        AutoCloseable claims = root.claimUnassigned(client, node);
        System.out.println("ready");
        System.out.flush();
        Thread.currentThread().join();
        claims.close();
    }
}
