package dev.bootc.pb.verbs;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.DiskFormat;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.port.Images;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.reconcile.ImageNames;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code pb run}: declares the VM for an image (or reuses the one of that name and image), waits until
 * it is up, then connects (or runs the command, or returns with -B). A VM this run declared that fails
 * for good before it has a domain is removed again: nothing is left behind.
 */
public final class RunVerb {
    private static final Logger LOG = Logger.getLogger(RunVerb.class);

    private final Vms vms;
    private final Lifecycle lifecycle;
    private final Sessions sessions;
    private final String node;
    private final Consumer<BootcVm> admit;
    private final SerialConsoles consoles;
    private final Supplier<List<Images.StoredImage>> storedImages;

    /**
     * What {@code pb run} was asked.
     *
     * @param labels  labels of the VM (added to those of a VM it reuses)
     * @param console show the serial console while the VM boots
     */
    public record Request(String name, BootcVmSpec spec, boolean replace, boolean background, boolean removeAfter,
                          List<String> command, Map<String, String> labels, boolean console) {
        public Request {
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }

        public Request(String name, BootcVmSpec spec, boolean replace, boolean background, boolean removeAfter,
                       List<String> command) {
            this(name, spec, replace, background, removeAfter, command, Map.of(), false);
        }

        public boolean withCommand() {
            return command != null && !command.isEmpty();
        }
    }

    /** What a person hears while it runs. */
    public interface Feedback {
        void progress(String line);

        /** Something the person should know of what was written (one line, before anything runs). */
        default void warning(String line) {
        }

        /** About to open the SSH session (or run the command) in the VM. */
        void connecting(String vmName, boolean withCommand);

        /** A line of output of the tool the current step runs (podman pull, the disk build). */
        default void output(String line) {
        }

        /** A line the VM's serial console printed while it comes up. */
        default void serialLine(String line) {
        }

        /** What the serial console printed, as it came, when the request asked for the console. */
        default void console(byte[] bytes) {
        }
    }

    /** How it ended: the VM's name, whether it returned with the VM in the background, and the exit status. */
    public record Result(String name, boolean background, int exitCode) {
    }

    /**
     * @param admit     what the driver that reconciles this store does to a new resource before it is written (a driver in
     *                  this process refuses what is known bad already and holds it with its finalizer; a node's operator
     *                  does both itself)
     * @param storedImages the images in local storage, asked only when the image given may be an image ID
     */
    public RunVerb(Vms vms, Lifecycle lifecycle, Sessions sessions, SerialConsoles consoles, String node,
                   Consumer<BootcVm> admit, Supplier<List<Images.StoredImage>> storedImages) {
        this.consoles = consoles;
        this.storedImages = storedImages;
        this.vms = vms;
        this.lifecycle = lifecycle;
        this.sessions = sessions;
        this.node = node;
        this.admit = admit;
    }

    /** The outcome of {@link #declare}: the resource, whether it is new, the one it replaces, and what the image given named. */
    record Decision(BootcVm vm, boolean created, BootcVm replaced, ImageNames.Named image) {
    }

    /**
     * What pb run writes: a new resource, or the existing one of that name; another image is a conflict unless replace.
     * An image given by ID becomes the reference it names (see {@link ImageNames}), and names the VM as that would.
     */
    Decision declare(Request r) {
        ImageNames.Named image = ImageNames.identify(r.spec().getImage(), storedImages);
        String name = r.name() != null ? r.name() : defaultName(image);
        Validation.nameProblem("name", name).ifPresent(p -> {
            throw Failure.InvalidName.with("--name: invalid value " + Validation.quote(name) + ": " + p.expected());
        });
        BootcVm desired = new BootcVm(vms.namespace(), name, r.spec().copy());
        desired.getSpec().setImage(image.reference());
        if (!r.labels().isEmpty()) desired.getMetadata().setLabels(new java.util.TreeMap<>(r.labels()));
        Vms.assignNode(desired, node);
        BootcVmSpec spec = desired.getSpec();
        Validation.check(desired);
        Optional<BootcVm> existing = vms.find(name);
        if (existing.isEmpty()) return new Decision(desired, true, null, image);
        BootcVm old = existing.get();
        if (!old.isDeleting() && spec.getImage().equals(old.getSpec().getImage()) && !r.replace()) {
            refuseOtherDiskFormat(name, spec, old);
            if (!r.labels().isEmpty() && !hasLabels(old, r.labels())) old = addLabels(name, r.labels());
            BootcVm running = old.getSpec().getRunStrategy() == RunStrategy.Halted ? lifecycle.setRunStrategy(name, RunStrategy.Always) : old;
            return new Decision(running, false, null, image);
        }
        if (!r.replace()) {
            throw Failure.NameTaken.with("VM " + name + " already exists with image " + old.getSpec().getImage()
                    + ": use --replace to replace it, or --name to choose another name");
        }
        return new Decision(desired, true, old, image);
    }

    /** The name an image gives its VM: its reference's (fedora-bootc-42), or vm- and the short ID of an untagged image. */
    static String defaultName(ImageNames.Named image) {
        return image.untagged() ? "vm-" + image.image().shortId() : VmNames.fromImage(image.reference());
    }

    /** A --disk-format the VM of that name was not made with: its disk cannot become another format (as the reconcile refuses). */
    private static void refuseOtherDiskFormat(String name, BootcVmSpec asked, BootcVm old) {
        DiskFormat wanted = asked.getDisk() == null ? null : asked.getDisk().getFormat();
        DiskFormat has = Defaults.diskFormat(old.getSpec());
        if (wanted != null && wanted != has) {
            throw Failure.DiskFormatChanged.with("--disk-format " + wanted + ": VM " + name + " exists with a " + has
                    + " disk, whose format cannot change: use --replace to make it again (its disk is lost), or --name to choose another name");
        }
    }

    public Result run(Request r, Feedback feedback) {
        Decision d = declare(r);
        String name = d.vm().getMetadata().getName();
        if (d.created() && d.image().untagged()) {
            String id = d.image().image().shortId();
            feedback.warning("image " + id + " has no repository tag: VM " + name + " records its ID and follows no newer image"
                    + " (tag it, podman tag " + id + " NAME:TAG, and run NAME:TAG for a VM that does)");
        }
        if (d.created()) admit.accept(d.vm());
        if (d.replaced() != null) lifecycle.remove(name, true, new Steps(feedback));
        if (d.created()) {
            BootcVm vm = d.vm();
            vms.store().create(vm);
        }
        BootcVm ready;
        try (SerialConsoles.Watch watch = consoles.watch(name, r.console() ? feedback::console : bytes -> { }, feedback::serialLine)) {
            ready = lifecycle.awaitUp(name, new Steps(feedback));
        } catch (PbException e) {
            if (d.created() && e.terminal()) removeIfNothingBuilt(name);
            throw e;
        }
        if (r.background()) return new Result(name, true, 0);
        feedback.connecting(name, r.withCommand());
        int status = sessions.connect(ready, null, r.command());
        if (r.withCommand() || r.removeAfter()) lifecycle.remove(name, true, feedback::progress);
        return new Result(name, false, status);
    }

    /** The feedback as a progress sink: steps, and the tools' output lines. */
    private record Steps(Feedback feedback) implements Consumer<String>, Progress {
        @Override
        public void accept(String step) {
            feedback.progress(step);
        }

        @Override
        public void phase(String step) {
            feedback.progress(step);
        }

        @Override
        public void output(String line) {
            feedback.output(line);
        }
    }

    private static boolean hasLabels(BootcVm vm, Map<String, String> labels) {
        Map<String, String> have = vm.getMetadata().getLabels() == null ? Map.of() : vm.getMetadata().getLabels();
        return labels.entrySet().stream().allMatch(e -> e.getValue().equals(have.get(e.getKey())));
    }

    private BootcVm addLabels(String name, Map<String, String> labels) {
        return vms.mutate(name, v -> {
            Map<String, String> l = new java.util.TreeMap<>(v.getMetadata().getLabels() == null ? Map.of() : v.getMetadata().getLabels());
            l.putAll(labels);
            v.getMetadata().setLabels(l);
            return v;
        });
    }

    /** A VM this run declared that failed before it got a domain holds nothing worth keeping: it goes. */
    private void removeIfNothingBuilt(String name) {
        try {
            Optional<BootcVm> vm = vms.find(name);
            if (vm.isPresent() && (vm.get().getStatus() == null || vm.get().getStatus().getDomainUUID() == null)) {
                lifecycle.remove(name, true, line -> { });
            }
        } catch (PbException cleanup) {
            LOG.warnf("Could not remove VM %s: %s", name, cleanup.getMessage());
        }
    }
}
