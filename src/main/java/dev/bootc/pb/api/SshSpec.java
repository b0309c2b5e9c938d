package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

import java.util.List;

/** SSH access: the login user and extra authorized public keys. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SshSpec {
    @Pattern(Validation.USER_PATTERN)
    @JsonPropertyDescription("User to log in as; created in the guest when missing.")
    private String user;

    @JsonPropertyDescription("Extra public keys (OpenSSH format) allowed to log in.")
    private List<@Pattern(Validation.PUBLIC_KEY_PATTERN) String> authorizedKeys;

    @JsonPropertyDescription("Type of the VM's own key pair: ed25519 (default) or rsa (RSA 4096, for FIPS-mode guests). Fixed when the VM is created.")
    private SshKeyType keyType;

    public SshSpec() {
    }

    public String getUser() { return user; }
    public void setUser(String user) { this.user = user; }
    public SshKeyType getKeyType() { return keyType; }
    public void setKeyType(SshKeyType keyType) { this.keyType = keyType; }
    public List<String> getAuthorizedKeys() { return authorizedKeys; }
    public void setAuthorizedKeys(List<String> authorizedKeys) { this.authorizedKeys = authorizedKeys; }
}
