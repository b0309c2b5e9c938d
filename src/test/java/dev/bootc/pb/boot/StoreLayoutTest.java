package dev.bootc.pb.boot;

import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.reconcile.VmLayout;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two stores of one host keep their VMs apart (issue 21, item 5): the file store where it always was
 * (its users' VMs survive an upgrade), the Kubernetes store in folders and domain names of its own; the
 * host ports registry is one for both, since 127.0.0.1 is one.
 */
class StoreLayoutTest {
    static final VmKey WEB = new VmKey("default", "web");

    static VmLayout layout(Map<String, String> env) {
        return new Root(Config.load(env, "root", Path.of("/root"), Config.Options.none())).layout();
    }

    @Test
    void theFileStoreKeepsItsPathsAndNames() {
        VmLayout file = layout(Map.of());
        assertEquals(Path.of("/var/lib/pb"), file.dataRoot());
        assertEquals(Path.of("/var/lib/libvirt/images/pb"), file.imagesRoot());
        assertEquals("default_web", file.domainName(WEB));
        assertEquals(Path.of("/var/lib/libvirt/images/pb/vms/default_web.qcow2"), file.overlay(WEB));
        assertEquals(Path.of("/var/lib/pb/vms/default/web"), file.vmDir(WEB));
        assertEquals(Path.of("/var/lib/pb/ports"), file.ports());
        assertEquals(Path.of("/var/lib/pb/locks"), file.locks());
    }

    @Test
    void theKubernetesStoreHasItsOwnFoldersAndDomainNamesButTheHostsPorts() {
        VmLayout file = layout(Map.of());
        VmLayout kube = layout(Map.of("PB_STORE", "kube"));
        assertEquals(Path.of("/var/lib/pb/kube"), kube.dataRoot());
        assertEquals(Path.of("/var/lib/libvirt/images/pb/kube"), kube.imagesRoot());
        assertEquals("kube_default_web", kube.domainName(WEB));
        assertNotEquals(file.overlay(WEB), kube.overlay(WEB));
        assertNotEquals(file.vmDir(WEB), kube.vmDir(WEB));
        assertNotEquals(file.nvram(WEB), kube.nvram(WEB));
        assertNotEquals(file.cloudInitSeed(WEB), kube.cloudInitSeed(WEB));
        assertNotEquals(file.baseDisks(), kube.baseDisks(), "a file-store cache prune never sees the other store's base disks in use");
        assertNotEquals(file.locks(), kube.locks());
        assertEquals(file.ports(), kube.ports(), "one registry of the host's ports");
        assertFalse(kube.vmDir(WEB).startsWith(file.vmDir(WEB)));
        // explicit folders of the admin: the Kubernetes store still goes in a folder of its own under each
        VmLayout kubeAt = layout(Map.of("PB_STORE", "kube", "PB_DATA_DIR", "/srv/pb", "PB_IMAGES_DIR", "/srv/disks"));
        assertEquals(Path.of("/srv/pb/kube"), kubeAt.dataRoot());
        assertEquals(Path.of("/srv/disks/kube"), kubeAt.imagesRoot());
        assertEquals(Path.of("/srv/pb/ports"), kubeAt.ports());
    }

    @Test
    void noDomainNameOfOneStoreIsEverANameOfTheOther() {
        VmLayout file = layout(Map.of());
        VmLayout kube = layout(Map.of("PB_STORE", "kube"));
        // namespaces and names are DNS labels (no '_'): a file-store name has one '_', a Kubernetes one starts "kube_" and has two
        for (VmKey k : new VmKey[] {WEB, new VmKey("kube", "default"), new VmKey("kube", "web"), new VmKey("a", "kube")}) {
            for (VmKey o : new VmKey[] {WEB, new VmKey("kube", "default"), new VmKey("kube", "web"), new VmKey("a", "kube")}) {
                assertNotEquals(file.domainName(k), kube.domainName(o), k + " / " + o);
            }
        }
        assertTrue(kube.holds(kube.domainName(WEB), WEB));
        assertFalse(file.holds(kube.domainName(WEB), WEB), "a domain of the other store is not this store's");
        assertFalse(file.holds("default_other", WEB), "nor one whose name is not the one this store gives its recorded owner");
    }
}
