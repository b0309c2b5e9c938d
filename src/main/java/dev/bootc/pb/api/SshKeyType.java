package dev.bootc.pb.api;

/** The type of a VM's own SSH key: ed25519 (default) or RSA 4096, for guests in FIPS mode, which refuse ed25519. */
public enum SshKeyType {
    ed25519("id_ed25519"),
    rsa("id_rsa");

    private final String file;

    SshKeyType(String file) {
        this.file = file;
    }

    public String privateKeyFile() {
        return file;
    }
}
