package dev.bootc.pb.e2e;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.store.file.FileVmStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The e2e harness keeps the consoles of failed boots, and only those, on files made here: no VM boots. */
class FailedBootsTest {
    @TempDir
    Path tmp;

    Path store() {
        return tmp.resolve("store");
    }

    VmLayout layout() {
        return new VmLayout(tmp.resolve("data"), tmp.resolve("images"));
    }

    FailedBoots boots() {
        return new FailedBoots(tmp.resolve("failed-boots"), tmp.resolve("qemu"));
    }

    /** A VM of the store in {@code phase}, started at 10:00, whose console wrote {@code console} at {@code writtenMillis}. */
    void vm(String name, Phase phase, String console, long writtenMillis) throws Exception {
        FileVmStore s = new FileVmStore(store());
        BootcVm vm = s.create(new BootcVm("default", name, new BootcVmSpec("localhost/pb-fixture:latest")));
        BootcVmStatus st = new BootcVmStatus();
        st.setPhase(phase);
        st.setStartedAt("2026-12-01T10:00:00Z");
        st.setMessage("VM " + name + " gave no SSH answer");
        vm.setStatus(st);
        s.updateStatus(vm);
        Path log = Files.createDirectories(tmp.resolve("data/vms/default/" + name)).resolve("serial.log");
        Files.writeString(log, console);
        Files.setLastModifiedTime(log, FileTime.fromMillis(writtenMillis));
    }

    @Test
    void keepsTheSerialAndQemuLogsOfBootsThatDidNotReachSshAndOnlyThose() throws Exception {
        vm("hung", Phase.Failed, "[   14.5] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n", 2_000_000);
        vm("booting", Phase.Starting, "[    3.0] Run /init as init process\n", 2_000_000);
        vm("fine", Phase.Running, "debian login:\n", 2_000_000);
        vm("earlier", Phase.Failed, "an earlier failure, kept then\n", 1_000_000);
        Files.createDirectories(tmp.resolve("qemu"));
        Files.writeString(tmp.resolve("qemu/default_hung.log"), "2026-12-01 10:00:00.000+0000: starting up libvirt version: 9.0.0\n");

        List<Path> kept = boots().keep(store(), layout(), 1_500_000, "pb run -B --name hung\nexit 1");

        Path hung = tmp.resolve("failed-boots/default_hung-20261201T100000Z");
        assertEquals(List.of(tmp.resolve("failed-boots/default_booting-20261201T100000Z"), hung), kept.stream().sorted().toList());
        assertEquals("[   14.5] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n", Files.readString(hung.resolve("serial.log")));
        assertTrue(Files.readString(hung.resolve("qemu.log")).startsWith("2026-12-01 10:00:00.000+0000: starting up"));
        String why = Files.readString(hung.resolve("why.txt"));
        assertTrue(why.startsWith("VM default/hung, phase Failed: VM hung gave no SSH answer") && why.contains("pb run -B --name hung"), why);
        assertEquals("no " + tmp.resolve("qemu/default_booting.log") + "\n",
                Files.readString(tmp.resolve("failed-boots/default_booting-20261201T100000Z/qemu.log")));
    }

    @Test
    void theSameBootKeptAgainRefreshesItsFolderAndAStoreWithoutVmsKeepsNothing() throws Exception {
        assertEquals(List.of(), boots().keep(store(), layout(), 0, "before pb rm -f --all"));
        vm("hung", Phase.Starting, "[    1.0] Linux version 6.12\n", 2_000_000);
        boots().keep(store(), layout(), 0, "pb run");
        Files.writeString(tmp.resolve("data/vms/default/hung/serial.log"), "[ 200.0] rcu: INFO: rcu_sched self-detected stall on CPU\n",
                java.nio.file.StandardOpenOption.APPEND);
        List<Path> again = boots().keep(store(), layout(), 0, "kept before: pb rm -f --all");
        assertEquals(List.of(tmp.resolve("failed-boots/default_hung-20261201T100000Z")), again);
        assertEquals(1, Files.list(tmp.resolve("failed-boots")).count());
        assertTrue(Files.readString(again.get(0).resolve("serial.log")).endsWith("self-detected stall on CPU\n"));
    }

    @Test
    void pbKeepsTheLogsOfABootItsRunFailedAndBeforeAnRmDeletesThem() throws Exception {
        // a launcher standing in for ./pb: its run fails on a boot whose console it writes, its rm deletes the VM's folder
        Path checkout = Files.createDirectories(tmp.resolve("checkout"));
        for (String built : List.of("quarkus-run.jar", "cli/classpath", "cli/pb.jsa")) {
            Files.createDirectories(checkout.resolve("target/quarkus-app").resolve(built).getParent());
            Files.writeString(checkout.resolve("target/quarkus-app").resolve(built), "");
        }
        Path launcher = checkout.resolve("pb");
        Files.writeString(launcher, """
                #!/bin/sh
                case " $* " in
                *" run "*) echo '[   14.5] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI' >>"$PB_DATA_DIR/vms/default/hung/serial.log"
                     echo 'pb: VM hung gave no SSH answer' >&2; exit 1 ;;
                *" rm "*) rm -rf "$PB_DATA_DIR/vms/default/hung" ;;
                esac
                """);
        launcher.toFile().setExecutable(true);
        String before = System.getProperty("pb.launcher");
        System.setProperty("pb.launcher", launcher.toString());
        try {
            Pb pb = new Pb(tmp, boots());
            vm("hung", Phase.Failed, "[    1.0] Linux version 6.12\n", System.currentTimeMillis() - 60_000);
            Path kept = tmp.resolve("failed-boots/default_hung-20261201T100000Z");

            Pb.Result run = pb.run("-q", "run", "-B", "--name", "hung", "localhost/pb-fixture:latest");
            assertEquals(List.of(kept), run.kept(), run.toString());
            assertTrue(run.toString().endsWith("--- serial and QEMU logs of the failed boot kept in [" + kept + "]\n"), run.toString());
            assertTrue(Files.readString(kept.resolve("serial.log")).endsWith("Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n"));

            Files.delete(kept.resolve("serial.log"));
            assertEquals(0, pb.run("rm", "-f", "--all").exit());
            assertTrue(Files.notExists(tmp.resolve("data/vms/default/hung")), "the rm ran");
            assertTrue(Files.readString(kept.resolve("why.txt")).contains("kept before: pb rm -f --all"), "kept before the rm");
            assertTrue(Files.readString(kept.resolve("serial.log")).endsWith("Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n"));
        } finally {
            if (before == null) System.clearProperty("pb.launcher");
            else System.setProperty("pb.launcher", before);
        }
    }
}
