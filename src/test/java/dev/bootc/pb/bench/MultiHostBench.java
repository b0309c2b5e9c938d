package dev.bootc.pb.bench;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.kubetest.RealApiServer;
import dev.bootc.pb.store.kube.KubeVmStore;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The multi-host simulation: K operator processes with different node names (each a
 * {@code SimulatedHost}: pb's controller, node-label informer and claims, on its own libvirt
 * {@code test:///default}) against one real upstream API server; N BootcVms, U of them without a node.
 * The clock runs from the operators' start until every VM's status says Running. Then each operator
 * is stopped and says which domains it defined: every VM must be defined by exactly one operator, the
 * one of its node. Prints one line of key=value figures.
 *
 * <p>Usage: {@code MultiHostBench K N U WORKDIR}.
 */
public final class MultiHostBench {
    private static final String NAMESPACE = "bench";

    private MultiHostBench() {
    }

    public static void main(String[] args) throws Exception {
        Bench.quietLogging();
        int hosts = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        int unassigned = Integer.parseInt(args[2]);
        Path dir = Path.of(args[3]);
        Files.createDirectories(dir);
        int code = 1;
        try (RealApiServer server = RealApiServer.start()) {
            server.applyCommittedCrd();
            KubeVmStore store = new KubeVmStore(server.client(), false);
            long c0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                BootcVmSpec spec = new BootcVmSpec("localhost/pb-fixture:latest");
                if (i >= unassigned) spec.setNodeName("node-" + (i % hosts));
                store.create(new BootcVm(NAMESPACE, String.format(Locale.ROOT, "vm-%05d", i), spec));
            }
            double createS = (System.nanoTime() - c0) / 1e9;

            List<Process> procs = new ArrayList<>();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            long t0 = System.nanoTime();
            for (int h = 0; h < hosts; h++) {
                List<String> cmd = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
                // the operator's heap bound as ./pb operator has it (bench/run reads it from the launcher)
                for (String f : System.getProperty("bench.operatorFlags", "").split("\\s+")) if (!f.isBlank()) cmd.add(f);
                cmd.addAll(List.of("-Dorg.jboss.logging.provider=jdk", "-cp", System.getProperty("java.class.path"),
                        "dev.bootc.pb.driver.kube.SimulatedHost", "node-" + h, server.kubeconfig().toString(),
                        dir.resolve("host-" + h).toString(), dir.resolve("host-" + h + ".domains").toString()));
                ProcessBuilder pb = new ProcessBuilder(cmd)
                        .redirectErrorStream(true).redirectOutput(dir.resolve("host-" + h + ".log").toFile());
                procs.add(pb.start());
            }
            int running = 0;
            long deadline = t0 + TimeUnit.MINUTES.toNanos(30);
            while (System.nanoTime() < deadline) {
                running = (int) store.list(NAMESPACE).stream()
                        .filter(vm -> vm.getStatus() != null && vm.getStatus().getPhase() == Phase.Running).count();
                if (running >= n) break;
                for (Process p : procs) if (!p.isAlive()) throw new IllegalStateException("an operator exited " + p.exitValue() + ": see " + dir);
                Thread.sleep(250);
            }
            double wallS = (System.nanoTime() - t0) / 1e9;

            List<Long> rss = new ArrayList<>();
            for (Process p : procs) rss.add(hwmMiB(p.pid()));
            for (Process p : procs) p.destroy();
            for (Process p : procs) p.waitFor(60, TimeUnit.SECONDS);

            // every VM defined by exactly one operator, that of its node
            Map<String, Integer> definedBy = new HashMap<>();
            int twice = 0;
            List<Integer> perHost = new ArrayList<>();
            for (int h = 0; h < hosts; h++) {
                List<String> names = Files.readAllLines(dir.resolve("host-" + h + ".domains"));
                perHost.add(names.size());
                for (String d : names) if (definedBy.put(d, h) != null) twice++;
            }
            int wrongNode = 0;
            for (BootcVm vm : store.list(NAMESPACE)) {
                // the Kubernetes store's domain names (see VmLayout), as each simulated host's operator defines them
                Integer h = definedBy.get(dev.bootc.pb.reconcile.VmLayout.of(dev.bootc.pb.reconcile.VmLayout.KUBE, Path.of("/"), Path.of("/"))
                        .domainName(new dev.bootc.pb.api.VmKey(NAMESPACE, vm.getMetadata().getName())));
                if (h == null || !("node-" + h).equals(vm.getSpec().getNodeName())) wrongNode++;
            }
            boolean ok = running >= n && twice == 0 && definedBy.size() == n && wrongNode == 0;
            System.out.printf(Locale.ROOT, "hosts=%d n=%d unassigned=%d create_s=%.1f wall_s=%.1f vms_per_s=%.1f running=%d defined=%d "
                            + "defined_twice=%d not_on_its_node=%d per_host=%s rss_mib=%s apiserver_rss_mib=%d etcd_rss_mib=%d ok=%s%n",
                    hosts, n, unassigned, createS, wallS, running / wallS, running, definedBy.size(), twice, wrongNode,
                    join(perHost), join(rss), server.apiserverRssMiB(), server.etcdRssMiB(), ok);
            System.out.flush();
            store.close();
            code = ok ? 0 : 1;
        }
        System.exit(code);
    }

    static long hwmMiB(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
        return -1;
    }

    static String join(List<? extends Number> xs) {
        StringBuilder sb = new StringBuilder();
        for (Number x : xs) sb.append(sb.length() == 0 ? "" : ",").append(x);
        return sb.toString();
    }
}
