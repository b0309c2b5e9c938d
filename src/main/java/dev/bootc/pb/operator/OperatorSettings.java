package dev.bootc.pb.operator;

import dev.bootc.pb.reconcile.VmReconciler;
import dev.bootc.pb.service.VmService;

import java.util.function.Supplier;

/**
 * What `pb operator` decided before the Kubernetes controller starts: this node's name and how to
 * build the reconcile core. The controller is made by the framework, so it reads these here.
 */
public final class OperatorSettings {
    private static volatile String nodeName;
    private static volatile Supplier<VmReconciler> reconciler;
    private static volatile java.nio.file.Path lockDir;

    private OperatorSettings() {
    }

    public static void configure(String node, Supplier<VmReconciler> core, java.nio.file.Path locks) {
        nodeName = node;
        reconciler = core;
        lockDir = locks;
    }

    /** This node: --node-name, else env NODE_NAME, else the host name. */
    public static String nodeName() {
        String n = nodeName;
        return n != null ? n : VmService.localNodeName();
    }

    static Supplier<VmReconciler> reconciler() {
        return reconciler;
    }

    static java.nio.file.Path lockDir() {
        return lockDir;
    }
}
