package dev.bootc.pb.kubetest;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Kubernetes API server for tests: the upstream apiextensions-apiserver (CRDs and custom
 * resources; no core API, so no namespaces, Events, Leases or RBAC) on a local etcd, both on free
 * loopback ports. {@code src/test/apiserver/build.sh} builds it from Debian's Go source packages the
 * first time on a machine (minutes; cached afterwards).
 *
 * <p>One server per JVM: {@link #shared()} starts it on first use and a shutdown hook stops it; or
 * {@code @ExtendWith(RealApiServer.Extension.class)}, which also injects {@link RealApiServer} and
 * {@link KubernetesClient} parameters. When the server cannot be built or started, every use fails
 * with the reason (the build or server log's tail); it never skips. Logs go to {@code target/apiserver/}.
 */
public final class RealApiServer implements AutoCloseable {
    private static final Path PROJECT = Path.of(System.getProperty("pb.basedir", "")).toAbsolutePath();
    private static final Path BUILD_SCRIPT = PROJECT.resolve("src/test/apiserver/build.sh");
    private static final Path LOGS = PROJECT.resolve("target/apiserver");
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(Long.getLong("pb.apiserver.buildTimeoutMinutes", 60));
    private static final Duration START_TIMEOUT = Duration.ofSeconds(Long.getLong("pb.apiserver.startTimeoutSeconds", 120));

    private static RealApiServer shared;
    private static RuntimeException sharedFailure;

    private final Path apiserverBinary;
    private final Path etcdBinary;
    private final Path kubectl;
    private final Path tmp;
    private final Path kubeconfig;
    private final Path serverLog;
    private final Path etcdLog;
    private final String baseUrl;
    private final Process etcd;
    private final Process apiserver;
    private final Duration buildTime;
    private final Duration readyTime;
    private KubernetesClient client;
    private boolean closed;
    private boolean crdApplied;

    /** The JVM's server, started on first call; a failed start is remembered and rethrown. */
    public static synchronized RealApiServer shared() {
        if (sharedFailure != null) throw new IllegalStateException(sharedFailure.getMessage(), sharedFailure);
        if (shared == null) {
            try {
                shared = start();
            } catch (RuntimeException e) {
                sharedFailure = e;
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "real-apiserver-stop"));
        }
        return shared;
    }

    /** A server of its own (the caller closes it). */
    public static RealApiServer start() {
        try {
            return new RealApiServer();
        } catch (IOException e) {
            throw new IllegalStateException("real API server: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("real API server: interrupted", e);
        }
    }

    private RealApiServer() throws IOException, InterruptedException {
        Files.createDirectories(LOGS);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        long t0 = System.nanoTime();
        Map<String, String> built = build(LOGS.resolve(stamp + "-build.log"));
        buildTime = Duration.ofNanos(System.nanoTime() - t0);
        apiserverBinary = Path.of(built.get("APISERVER"));
        etcdBinary = Path.of(built.get("ETCD"));
        kubectl = Path.of(built.get("KUBECTL"));

        tmp = Files.createTempDirectory("pb-apiserver-");
        serverLog = LOGS.resolve(stamp + "-apiserver.log");
        etcdLog = LOGS.resolve(stamp + "-etcd.log");
        int etcdPort = freePort();
        int peerPort = freePort();
        int port = freePort();
        baseUrl = "https://127.0.0.1:" + port;
        String etcdUrl = "http://127.0.0.1:" + etcdPort;
        String peerUrl = "http://127.0.0.1:" + peerPort;

        long t1 = System.nanoTime();
        Process e = null;
        Process a = null;
        try {
            e = new ProcessBuilder(etcdBinary.toString(), "--name", "pbtest", "--data-dir", tmp.resolve("etcd").toString(),
                    "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
                    "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                    "--initial-cluster", "pbtest=" + peerUrl, "--listen-metrics-urls", "",
                    "--unsafe-no-fsync", "--log-level", "warn")
                    .redirectErrorStream(true).redirectOutput(etcdLog.toFile()).start();
            waitFor("etcd", e, etcdLog, () -> get(HttpClient.newHttpClient(), etcdUrl + "/health").contains("\"health\":\"true\""));
            Path certs = tmp.resolve("certs");
            a = new ProcessBuilder(apiserverBinary.toString(), "--etcd-servers", etcdUrl,
                    "--bind-address", "127.0.0.1", "--secure-port", String.valueOf(port), "--cert-dir", certs.toString())
                    .redirectErrorStream(true).redirectOutput(serverLog.toFile()).start();
            Path ca = certs.resolve("apiserver.crt");
            HttpClient[] https = new HttpClient[1];
            waitFor("the API server", a, serverLog, () -> {
                // the server writes its self-signed certificate (and CA) on start
                if (https[0] == null) {
                    if (!Files.exists(ca) || Files.size(ca) == 0) return false;
                    https[0] = HttpClient.newBuilder().sslContext(trusting(ca)).build();
                }
                return get(https[0], baseUrl + "/readyz").equals("ok");
            });
            readyTime = Duration.ofNanos(System.nanoTime() - t1);
            kubeconfig = tmp.resolve("kubeconfig");
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: pb-test
                      cluster:
                        server: %s
                        certificate-authority: %s
                    users:
                    - name: pb-test
                      user: {token: unused}
                    contexts:
                    - name: pb-test
                      context: {cluster: pb-test, user: pb-test, namespace: default}
                    current-context: pb-test
                    """.formatted(baseUrl, ca));
        } catch (IOException | RuntimeException ex) {
            stop(a, "apiserver");
            stop(e, "etcd");
            deleteTree(tmp);
            throw ex;
        }
        etcd = e;
        apiserver = a;
        System.err.printf("real API server: %s ready in %d ms (build step %d ms); etcd RSS %d MiB, apiserver RSS %d MiB; logs %s%n",
                baseUrl, readyTime.toMillis(), buildTime.toMillis(), rssMiB(etcd), rssMiB(apiserver), serverLog);
    }

    private static Map<String, String> build(Path log) throws IOException, InterruptedException {
        if (!Files.isRegularFile(BUILD_SCRIPT)) {
            throw new IllegalStateException("real API server: no " + BUILD_SCRIPT + " (run the tests from the project directory)");
        }
        Process p = new ProcessBuilder("bash", BUILD_SCRIPT.toString()).redirectError(log.toFile()).start();
        Map<String, String> out = new HashMap<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    int eq = line.indexOf('=');
                    if (eq > 0) out.put(line.substring(0, eq), line.substring(eq + 1));
                }
            } catch (IOException ignored) {
                // the exit status tells
            }
        });
        reader.start();
        if (!p.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            throw new IllegalStateException("real API server: " + BUILD_SCRIPT + " did not finish within " + BUILD_TIMEOUT
                    + "; log " + log + ":\n" + tail(log, 40));
        }
        reader.join();
        String buildLog = Files.readString(log);
        System.err.print(buildLog.lines().map(l -> "  " + l + "\n").reduce("", String::concat));
        if (p.exitValue() != 0 || !out.keySet().containsAll(List.of("APISERVER", "ETCD", "KUBECTL"))) {
            throw new IllegalStateException("real API server: cannot build it: " + BUILD_SCRIPT + " exited " + p.exitValue()
                    + "; log " + log + ":\n" + tail(log, 40));
        }
        for (String k : List.of("APISERVER", "ETCD", "KUBECTL")) {
            if (!Files.isExecutable(Path.of(out.get(k)))) {
                throw new IllegalStateException("real API server: " + k + " " + out.get(k) + " is not an executable");
            }
        }
        return out;
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(String what, Process p, Path log, Check check) {
        Exception[] last = {null};
        try {
            org.awaitility.Awaitility.await(what).atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .failFast(() -> !p.isAlive())
                    .until(() -> {
                        try {
                            return check.ok();
                        } catch (Exception e) {
                            last[0] = e;
                            return false;
                        }
                    });
        } catch (org.awaitility.core.TerminalFailureException e) {
            throw new IllegalStateException("real API server: " + what + " exited with " + p.exitValue() + " before it was ready; log "
                    + log + ":\n" + tail(log, 40));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IllegalStateException("real API server: " + what + " not ready within " + START_TIMEOUT
                    + (last[0] == null ? "" : " (last: " + last[0] + ")") + "; log " + log + ":\n" + tail(log, 40));
        }
    }

    private static String get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body().trim();
    }

    /** An SSL context trusting the certificates of a PEM file (the server's self-signed one and its CA). */
    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("c" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A fabric8 client for this server (namespace {@code default}); closed with the server. */
    public synchronized KubernetesClient client() {
        if (client == null) {
            try {
                Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
                client = new KubernetesClientBuilder().withConfig(config).build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return client;
    }

    /** Applies the CRD as committed (crds/) with kubectl and waits until it is Established; once per server. */
    public synchronized void applyCommittedCrd() {
        if (crdApplied) return;
        Path crd = PROJECT.resolve("crds/bootcvms.bootc.dev-v1.yml");
        Result apply = kubectl(null, "apply", "-f", crd.toString());
        if (apply.exitCode() != 0) throw new AssertionError("kubectl apply of the committed CRD: " + apply.output());
        Result established = kubectl(null, "wait", "--for=condition=Established", "--timeout=60s", "crd/bootcvms.bootc.dev");
        if (established.exitCode() != 0) throw new AssertionError(established.output());
        crdApplied = true;
    }

    /** {@code https://127.0.0.1:PORT}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** A kubeconfig file for this server (current context's namespace: {@code default}). */
    public Path kubeconfig() {
        return kubeconfig;
    }

    /** Debian's kubectl, matching the server's version. */
    public Path kubectl() {
        return kubectl;
    }

    public Path serverLog() {
        return serverLog;
    }

    /** How long build.sh took in this JVM (milliseconds when cached). */
    public Duration buildTime() {
        return buildTime;
    }

    /** From starting etcd to the API server's {@code /readyz} answering ok. */
    public Duration readyTime() {
        return readyTime;
    }

    public long etcdRssMiB() {
        return rssMiB(etcd);
    }

    public long apiserverRssMiB() {
        return rssMiB(apiserver);
    }

    /** What kubectl printed (stdout and stderr) and its exit status. */
    public record Result(int exitCode, String output) {
    }

    /** Runs kubectl against this server; {@code stdin} may be null. */
    public Result kubectl(String stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not finish within 60 s");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the API server, then etcd (the other order makes the server hang), and deletes the temp dir. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (client != null) client.close();
        stop(apiserver, "apiserver");
        stop(etcd, "etcd");
        deleteTree(tmp);
    }

    private static void stop(Process p, String what) {
        if (p == null || !p.isAlive()) return;
        p.destroy();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                System.err.println("real API server: " + what + " ignored SIGTERM for 30 s; killing it");
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static long rssMiB(Process p) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
            }
        } catch (IOException | RuntimeException ignored) {
            // gone, or not Linux
        }
        return -1;
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind
        }
    }

    /**
     * {@code @ExtendWith(RealApiServer.Extension.class)}: the JVM's shared server, started before the
     * class's tests (a failure fails them), injected as a {@link RealApiServer} or {@link KubernetesClient} parameter.
     */
    public static final class Extension implements BeforeAllCallback, ParameterResolver {
        @Override
        public void beforeAll(ExtensionContext context) {
            shared();
        }

        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
            Class<?> t = p.getParameter().getType();
            return t == RealApiServer.class || t == KubernetesClient.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext c) {
            return p.getParameter().getType() == RealApiServer.class ? shared() : shared().client();
        }
    }
}
