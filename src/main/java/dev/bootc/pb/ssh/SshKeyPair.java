package dev.bootc.pb.ssh;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.FileModes;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.util.security.SecurityUtils;

import dev.bootc.pb.api.SshKeyType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;

/**
 * A VM's own SSH key pair: {@code id_ed25519} and {@code id_ed25519.pub} (both mode 0600) in the VM's
 * folder. Created once and loaded from then on, so a VM keeps its key across restarts of pb and of
 * the VM.
 */
public record SshKeyPair(Path privateKeyFile, Path publicKeyFile, String publicKey) {
    /** The private key file of the VM whose folder this is: the one that exists, ed25519 first. */
    public static Path privateKeyIn(Path vmDir) {
        for (SshKeyType t : SshKeyType.values()) {
            Path p = vmDir.resolve(t.privateKeyFile());
            if (Files.exists(p)) return p;
        }
        return vmDir.resolve(SshKeyType.ed25519.privateKeyFile());
    }

    /** The public key file beside a private one: its name + {@code .pub}, as ssh-keygen writes it. */
    public static Path publicKeyFileOf(Path privateKeyFile) {
        return privateKeyFile.resolveSibling(privateKeyFile.getFileName() + ".pub");
    }

    /**
     * Loads the pair in {@code vmDir} (whatever its type: a VM keeps its key), or generates one of
     * {@code type} when there is none.
     */
    public static SshKeyPair loadOrCreate(Path vmDir, String comment, SshKeyType type) {
        Path priv = privateKeyIn(vmDir);
        if (!Files.exists(priv)) priv = vmDir.resolve(type.privateKeyFile());
        Path pub = publicKeyFileOf(priv);
        try {
            if (Files.exists(priv)) {
                KeyPair kp = readPrivateKey(priv);
                String publicLine = publicKeyLine(kp, comment);
                if (!Files.exists(pub)) writeSecret(pub, publicLine.getBytes(StandardCharsets.UTF_8));
                return new SshKeyPair(priv, pub, Files.readString(pub).trim());
            }
            FileModes.privateFolders(vmDir);
            KeyPair kp = type == SshKeyType.rsa ? KeyUtils.generateKeyPair(KeyPairProvider.SSH_RSA, 4096)
                    : KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
            ByteArrayOutputStream privateBytes = new ByteArrayOutputStream();
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, comment, (OpenSSHKeyEncryptionContext) null, privateBytes);
            String publicLine = publicKeyLine(kp, comment);
            // public first: a crash in between leaves no private key, so the next call starts over
            writeSecret(pub, publicLine.getBytes(StandardCharsets.UTF_8));
            writeSecret(priv, privateBytes.toByteArray());
            return new SshKeyPair(priv, pub, publicLine.trim());
        } catch (IOException | GeneralSecurityException e) {
            throw Failure.SshKeyFailed.with("SSH key pair in " + vmDir + ": " + e.getMessage(), e);
        }
    }

    /** The key pair itself, for pb's own SSH client. */
    public KeyPair keyPair() {
        try {
            return readPrivateKey(privateKeyFile);
        } catch (IOException | GeneralSecurityException e) {
            throw Failure.SshKeyFailed.with("read SSH key " + privateKeyFile + ": " + e.getMessage(), e);
        }
    }

    static KeyPair readPrivateKey(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()), in, null);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) throw new IOException("no key in " + file);
            return it.next();
        }
    }

    private static String publicKeyLine(KeyPair kp, String comment) {
        String line = PublicKeyEntry.toString(kp.getPublic());
        return (comment == null || comment.isBlank() ? line : line + " " + comment.trim()) + "\n";
    }

    /** Writes a 0600 file atomically. */
    private static void writeSecret(Path target, byte[] content) throws IOException {
        AtomicFiles.write(target, content, FileModes.PRIVATE);
    }
}
