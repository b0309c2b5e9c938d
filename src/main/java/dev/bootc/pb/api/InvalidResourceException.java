package dev.bootc.pb.api;

/** A resource (or a command-line value) that breaks a validation rule. The message is one line. */
public class InvalidResourceException extends PbException.Invalid {
    public InvalidResourceException(String message) {
        super("Invalid", message);
    }
}
