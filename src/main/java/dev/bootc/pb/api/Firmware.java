package dev.bootc.pb.api;

/** Boot firmware of the VM. Constant names are the wire values. */
public enum Firmware {
    uefi, bios
}
