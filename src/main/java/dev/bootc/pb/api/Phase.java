package dev.bootc.pb.api;

/** Lifecycle phase of a BootcVm, derived from its conditions. */
public enum Phase {
    Pending, Pulling, BuildingDisk, Starting, Running, Updating, Stopping, Stopped, Failed, Deleting
}
