package dev.bootc.pb.cli;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.boot.Config;
import dev.bootc.pb.boot.Root;
import dev.bootc.pb.boot.StoreKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The root command: global options and the list of verbs. */
@Command(name = "pb", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        scope = ScopeType.INHERIT,
        description = "Run bootable container images (bootc) as persistent virtual machines.",
        synopsisSubcommandLabel = "COMMAND",
        footerHeading = "%n", footer = ExitCodes.TABLE)
public class PbCommand {
    /** The verbs, in the order help lists them; {@link Cli} adds only the one invoked when it can tell. */
    static final List<Class<?>> VERBS = List.of(RunCommand.class, SshCommand.class, ListCommand.class, StopCommand.class, StartCommand.class,
            UpgradeCommand.class, SwitchCommand.class, RollbackCommand.class, RmCommand.class, InspectCommand.class, LogsCommand.class,
            ConsoleCommand.class, ExportCommand.class, ApplyCommand.class, GetCommand.class, ImagesCommand.class,
            CacheCommand.class, OperatorCommand.class, DoctorCommand.class, CompletionCommand.class, VersionCommand.class);

    /**
     * Each verb by its names and aliases, as their {@code @Command} annotations say (LazyVerbsTest keeps
     * the two the same): reading the annotations themselves costs a proxy class per verb at start-up.
     */
    static final Map<String, Class<?>> BY_NAME = Map.ofEntries(
            Map.entry("run", RunCommand.class), Map.entry("ssh", SshCommand.class), Map.entry("list", ListCommand.class),
            Map.entry("ls", ListCommand.class), Map.entry("stop", StopCommand.class), Map.entry("start", StartCommand.class),
            Map.entry("upgrade", UpgradeCommand.class), Map.entry("switch", SwitchCommand.class), Map.entry("rollback", RollbackCommand.class),
            Map.entry("rm", RmCommand.class), Map.entry("remove", RmCommand.class), Map.entry("inspect", InspectCommand.class),
            Map.entry("logs", LogsCommand.class), Map.entry("console", ConsoleCommand.class), Map.entry("export", ExportCommand.class),
            Map.entry("apply", ApplyCommand.class),
            Map.entry("get", GetCommand.class), Map.entry("images", ImagesCommand.class), Map.entry("cache", CacheCommand.class),
            Map.entry("operator", OperatorCommand.class), Map.entry("doctor", DoctorCommand.class),
            Map.entry("completion", CompletionCommand.class), Map.entry("version", VersionCommand.class));


    @Option(names = "--store", scope = ScopeType.INHERIT, paramLabel = "file|kube",
            description = "Where BootcVm resources live (env PB_STORE; default: file).")
    StoreKind store;

    @Option(names = "--store-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Folder of the file store (env PB_STORE_DIR; default /var/lib/pb/store as root, else $XDG_DATA_HOME/pb/store).")
    Path storeDir;

    @Option(names = {"-n", "--namespace"}, scope = ScopeType.INHERIT, paramLabel = "NS",
            description = "Namespace of the resources (default: default).")
    String namespace;

    @Option(names = "--context", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "kubeconfig context, with --store kube.")
    String context;

    @Option(names = {"-c", "--connect"}, scope = ScopeType.INHERIT, paramLabel = "URI",
            description = "libvirt URI (env PB_LIBVIRT_URI; default qemu:///system as root, else qemu:///session).")
    String connect;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT, description = "Print results only, no progress.")
    boolean quiet;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print debug logs on stderr.")
    boolean verbose;

    // -v is `pb run`'s --volume (as in podman), so the short form of --verbose works before the command only.
    @Option(names = "-v", scope = ScopeType.LOCAL, description = "Same as --verbose (before the command: pb -v list).")
    boolean verboseShort;

    private final Function<Config.Options, Root> roots;
    private Root root;
    private Terminal terminal = Terminal.PLAIN;

    /** Where progress goes: set once per invocation by {@link Cli}. */
    Terminal terminal() {
        return terminal;
    }

    void terminal(Terminal t) {
        this.terminal = t;
    }

    /** @param roots builds the composition root from the global options (tests give their own) */
    public PbCommand(Function<Config.Options, Root> roots) {
        this.roots = roots;
    }

    Config.Options options() {
        return new Config.Options(store, storeDir, namespace, context, connect, quiet, verbose || verboseShort);
    }

    /** The composition root of this invocation, built once from the global options. */
    synchronized Root root() {
        if (root == null) root = roots.apply(options());
        return root;
    }

    synchronized void close() {
        if (root != null) root.close();
        root = null;
    }
}
