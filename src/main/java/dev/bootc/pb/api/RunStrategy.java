package dev.bootc.pb.api;

/** Whether the VM should be running. */
public enum RunStrategy {
    Always, Halted
}
