package dev.bootc.pb.api;

/** Root filesystem of the base disk. Constant names are the wire values. */
public enum Filesystem {
    xfs, ext4, btrfs
}
