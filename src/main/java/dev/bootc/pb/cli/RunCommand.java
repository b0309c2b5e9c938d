package dev.bootc.pb.cli;

import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.DiskFormat;
import dev.bootc.pb.api.DiskSpec;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.Firmware;
import dev.bootc.pb.api.SshKeyType;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PortForward;
import dev.bootc.pb.api.Quantity;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.api.Resources;
import dev.bootc.pb.api.SshSpec;
import dev.bootc.pb.api.VolumeMount;
import dev.bootc.pb.verbs.RunVerb;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.bootc.pb.api.CloudInitSpec;
import dev.bootc.pb.api.Validation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** pb run: declare a VM for an image, bring it up, and connect to it. */
@Command(name = "run", description = {
        "Run a bootable container image as a VM and connect to it over SSH.",
        "With CMD, run it in the VM, print its output, exit with its status and remove the VM (as podman-bootc does).",
        "Running the same image again reuses its VM.",
        "As root, the image's own bootc builds its disk in a privileged container (as podman-bootc does): run only images you",
        "trust as root, or set PB_DISK_BUILDER=vm to build inside an installer VM. Volumes (-v) and --cloudinit read the host",
        "paths you name. (pb operator --store kube trusts no image, folder or address its admin did not list.)"})
class RunCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "Container image reference, like quay.io/fedora/fedora-bootc:42.")
    String image;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "Command to run in the VM.")
    List<String> command = new ArrayList<>();

    @Option(names = "--name", paramLabel = "NAME", description = "VM name (default: from the image, like fedora-bootc-42).")
    String name;

    @Option(names = "--filesystem", paramLabel = "xfs|ext4|btrfs", description = "Root filesystem (default: the image's).")
    Filesystem filesystem;

    @Option(names = "--disk-size", paramLabel = "SIZE", description = "Disk size, like 20G (default 20Gi).")
    String diskSize;

    @Option(names = "--root-size-max", paramLabel = "SIZE", description = "Maximum root filesystem size, like 10G.")
    String rootSizeMax;

    @Option(names = "--disk-format", paramLabel = "qcow2|raw", description = "Format of the VM's own disk (default qcow2: an overlay on"
            + " the cached base disk, made at once); raw: a sparse full copy of the base disk with no backing file, as podman-bootc's"
            + " disk.raw. Fixed when the VM is made.")
    DiskFormat diskFormat;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "User to log in as (default root); created when the image lacks it.")
    String user;

    @Option(names = {"-B", "--background"}, description = "Do not connect: return once the VM is ready.")
    boolean background;

    @Option(names = "--rm", description = "Remove the VM when the SSH session ends.")
    boolean removeAfter;

    @Option(names = "--memory", paramLabel = "SIZE", description = "Memory: MiB, or with a unit (4G, 4Gi, 4096M). Default 2Gi.")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", description = "Virtual CPUs (default 2; under TCG, without KVM, a VM runs on one: see the README's Notes and limits).")
    Integer cpus;

    @Option(names = {"-p", "--port"}, paramLabel = "HOST:GUEST", description = "Forward 127.0.0.1:HOST to the guest's GUEST port (repeatable).")
    List<String> ports = new ArrayList<>();

    @Option(names = {"-v", "--volume"}, paramLabel = "HOSTPATH:GUESTPATH[:ro]", description = "Share a host folder into the guest over virtiofs (repeatable).")
    List<String> volumes = new ArrayList<>();

    @Option(names = "--ssh-key", paramLabel = "FILE", description = "An extra public key file allowed to log in.")
    Path sshKey;

    @Option(names = "--ssh-key-type", paramLabel = "ed25519|rsa",
            description = "Type of the VM's own SSH key (default ed25519; rsa gives RSA 4096, for guests in FIPS mode).")
    SshKeyType sshKeyType;

    @Option(names = "--network", paramLabel = "user|none|bridge=NAME|libvirt=NAME", description = {"Networking (default user: SSH and -p",
            "on the host's 127.0.0.1). bridge=NAME: the host bridge NAME; libvirt=NAME: the libvirt network NAME (like default,",
            "NAT with DHCP). There the guest has its own address (pb list, pb inspect), SSH goes to it and -p is refused."})
    String network;

    @Option(names = "--firmware", paramLabel = "uefi|uefi-secure|bios",
            description = "Boot firmware (default uefi): uefi-secure has Secure Boot on with Microsoft's keys enrolled. libvirt picks the firmware build.")
    String firmware;

    @Option(names = "--no-tpm", description = "No TPM 2.0 (by default each VM gets an emulated TPM, swtpm).")
    boolean noTpm;

    @Option(names = "--karg", paramLabel = "ARG", description = "Extra kernel argument (repeatable).")
    List<String> kargs = new ArrayList<>();

    @Option(names = {"-R", "--replace"}, description = "Replace an existing VM of the same name.")
    boolean replace;

    @Option(names = "--pull", paramLabel = "always|missing|never", description = "When the host pulls the image (spec.imagePullPolicy):"
            + " always, when missing, or never. Default: always for :latest or no tag, else when missing (Kubernetes' rule); an image"
            + " under localhost/ only when missing.")
    String pull;

    @Option(names = "--cloudinit", paramLabel = "DIR", description = "cloud-init data: a folder with user-data, meta-data, network-config"
            + " (NoCloud), given to the VM as a read-only disk labelled CIDATA (spec.cloudInit.path). The folder and its files must"
            + " belong to you or to root, and no link is followed there; they are read again at each start.")
    Path cloudInit;

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "A label of the VM (repeatable); pb list -l KEY=VALUE selects by it.")
    List<String> labels = new ArrayList<>();

    @Option(names = "--console", description = "Show the VM's serial console while it boots (on stderr).")
    boolean console;

    @Override
    protected int execute() throws Exception {
        PullPolicy policy = PullPolicy.parse(pull); // invalid input is refused before anything is written
        BootcVmSpec spec = toSpec();
        spec.setImagePullPolicy(policy);
        Map<String, String> labelMap = labels();
        // the console's own output and a redrawn line do not mix: with --console, steps are plain lines
        ProgressLine timed = timed(console);
        RunVerb.Result r = root().run().run(new RunVerb.Request(name, spec, replace, background, removeAfter, command, labelMap, console),
                new RunVerb.Feedback() {
                    @Override
                    public void progress(String line) {
                        timed.accept(line);
                    }

                    @Override
                    public void warning(String line) {
                        RunCommand.this.warning(line);
                    }

                    @Override
                    public void output(String line) {
                        timed.output(line);
                    }

                    @Override
                    public void serialLine(String line) {
                        timed.serial(line);
                    }

                    @Override
                    public void console(byte[] bytes) {
                        synchronized (err()) {
                            err().print(new String(bytes, StandardCharsets.UTF_8));
                            err().flush();
                        }
                    }

                    @Override
                    public void connecting(String vm, boolean withCommand) {
                        timed.finish();
                        String line = "Connecting to vm " + vm + ". To close connection, use `~.` or `exit`.";
                        // with a command, its output stays clean on stdout
                        if (withCommand) RunCommand.this.progress(line);
                        else out().println(line);
                        out().flush();
                    }
                });
        timed.finish();
        if (r.background()) out().println("VM " + r.name() + " is running. Connect with: pb ssh " + r.name());
        return r.exitCode();
    }

    BootcVmSpec toSpec() throws IOException {
        BootcVmSpec s = new BootcVmSpec(image);
        if (memory != null || cpus != null) {
            s.setResources(new Resources(memory == null ? null : Quantity.fromCliMemory(memory), cpus));
        }
        if (filesystem != null || diskSize != null || rootSizeMax != null || diskFormat != null) {
            DiskSpec d = new DiskSpec();
            d.setFilesystem(filesystem);
            d.setFormat(diskFormat);
            if (diskSize != null) d.setSize(Quantity.fromCliDisk(diskSize));
            if (rootSizeMax != null) d.setRootSizeMax(Quantity.fromCliDisk(rootSizeMax));
            s.setDisk(d);
        }
        if (user != null || sshKey != null || sshKeyType != null) {
            SshSpec ssh = new SshSpec();
            ssh.setUser(user);
            ssh.setKeyType(sshKeyType);
            if (sshKey != null) {
                if (!Files.isRegularFile(sshKey)) {
                    throw Failure.InvalidSshKey.with("--ssh-key: file " + sshKey + " does not exist: give a public key file like ~/.ssh/id_ed25519.pub");
                }
                ssh.setAuthorizedKeys(List.of(Files.readString(sshKey).trim()));
            }
            s.setSsh(ssh);
        }
        for (String p : ports) {
            String[] parts = p.split(":");
            if (parts.length != 2) {
                throw Failure.InvalidPort.with("--port: invalid value " + Validation.quote(p) + ": must be HOST:GUEST, like 8080:80");
            }
            PortForward f = new PortForward();
            f.setHostPort(port("--port", p, parts[0]));
            f.setGuestPort(port("--port", p, parts[1]));
            if (s.getPorts() == null) s.setPorts(new ArrayList<>());
            s.getPorts().add(f);
        }
        for (String v : volumes) {
            String[] parts = v.split(":");
            boolean ro = parts.length == 3 && parts[2].equals("ro");
            if (parts.length < 2 || parts.length > 3 || (parts.length == 3 && !ro && !parts[2].equals("rw"))) {
                throw Failure.InvalidVolume.with("--volume: invalid value " + Validation.quote(v) + ": must be HOSTPATH:GUESTPATH[:ro]");
            }
            if (!parts[0].startsWith("/")) {
                throw Failure.InvalidVolume.with("--volume: invalid value " + Validation.quote(v) + ": the host path must be absolute, like /srv/data");
            }
            if (!parts[1].startsWith("/")) {
                throw Failure.InvalidVolume.with("--volume: invalid value " + Validation.quote(v) + ": the guest path must be absolute, like /mnt/data");
            }
            if (s.getVolumes() == null) s.setVolumes(new ArrayList<>());
            s.getVolumes().add(new VolumeMount(parts[0], parts[1], ro));
        }
        if (network != null) {
            String[] kv = network.split("=", 2);
            NetworkMode mode;
            try {
                mode = NetworkMode.valueOf(kv[0]);
            } catch (IllegalArgumentException e) {
                mode = null;
            }
            if (mode == null || mode.ownAddress() != (kv.length == 2)) {
                throw Failure.Invalid.with("--network: invalid value " + Validation.quote(network)
                        + ": give user, none, bridge=NAME (a host bridge) or libvirt=NAME (a libvirt network, like libvirt=default)");
            }
            s.setNetwork(mode);
            if (kv.length == 2) s.setNetworkName(kv[1]);
        }
        if (firmware != null) s.setFirmware(Firmware.parse(firmware));
        if (noTpm) s.setTpm(false);
        if (cloudInit != null) {
            Path dir = cloudInit.toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw Failure.InvalidCloudInit.with("--cloudinit: " + cloudInit + " is not a folder: give a folder holding user-data (and meta-data, network-config)");
            }
            if (CLOUD_INIT_FILES.stream().noneMatch(f -> Files.isRegularFile(dir.resolve(f)))) {
                throw Failure.InvalidCloudInit.with("--cloudinit: " + cloudInit + " holds none of " + String.join(", ", CLOUD_INIT_FILES));
            }
            s.setCloudInit(CloudInitSpec.ofPath(dir.toString()));
        }
        if (!kargs.isEmpty()) s.setKernelArgs(new ArrayList<>(kargs));
        return s;
    }

    static final List<String> CLOUD_INIT_FILES = List.of("user-data", "meta-data", "network-config", "vendor-data");

    private Map<String, String> labels() {
        Map<String, String> out = new TreeMap<>();
        for (String l : labels) {
            int eq = l.indexOf('=');
            if (eq < 0) throw Failure.InvalidLabel.with("--label: invalid value \"" + l + "\": must be KEY=VALUE, like env=dev");
            String key = l.substring(0, eq);
            String value = l.substring(eq + 1);
            Validation.labelProblem("--label", key, value).ifPresent(p -> {
                throw Failure.InvalidLabel.with("--label: invalid value \"" + l + "\": " + p.expected());
            });
            out.put(key, value);
        }
        return out;
    }

    private static int port(String option, String whole, String text) {
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= 65535) return n;
        } catch (NumberFormatException e) {
            // fall through
        }
        throw Failure.InvalidPort.with(option + ": invalid value " + Validation.quote(whole) + ": ports must be between 1 and 65535");
    }
}
