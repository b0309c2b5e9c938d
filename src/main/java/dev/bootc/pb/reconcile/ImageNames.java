package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.ImageRefs;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.port.Images.StoredImage;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * What the image a person typed names, told as podman tells a name from an image ID (containers/common libimage's
 * LookupImage): 64 hex digits (bare, or after {@code sha256:}) are an ID and never a name; other text is first a
 * name ({@code abc123} is {@code localhost/abc123:latest}, {@code REGISTRY/abc123:latest}), then the start of one
 * local image's ID, then a repository of that last path component; anything else is a reference to pull.
 *
 * <p>A VM records a reference it can follow, never an ID that may come to mean another image: an image given by
 * ID is recorded as its first repository tag (the one podman-bootc names it by), or, when it has none, as
 * {@code sha256:} and its full ID, which always means that image and follows nothing.
 */
public final class ImageNames {
    /** The candidates an ambiguity names, at most. */
    static final int CANDIDATES_SHOWN = 5;

    private ImageNames() {
    }

    /**
     * What the text named.
     *
     * @param reference what a VM of it records and follows
     * @param image     the local image the text gave by its ID; null when the text is a reference
     */
    public record Named(String reference, StoredImage image) {
        public boolean byId() {
            return image != null;
        }

        /** Given by ID and without a repository tag: the VM records its ID and follows nothing. */
        public boolean untagged() {
            return image != null && image.names().isEmpty();
        }
    }

    /**
     * The reference a VM of {@code text} records. Lists the local images ({@code images}, podman's) only when the text
     * may be an ID (hex digits).
     * Fails with InvalidImage (exit 2) when hex digits begin the IDs of several local images (naming them),
     * ImageNotFound when a full ID is not in local storage, PodmanMissing or PodmanFailed.
     */
    public static Named identify(String text, Supplier<List<StoredImage>> images) {
        Optional<String> full = ImageRefs.fullId(text);
        if (full.isEmpty() && !ImageRefs.mayBeShortId(text)) return new Named(text, null);
        List<StoredImage> stored = images.get();
        if (full.isPresent()) {
            StoredImage image = stored.stream().filter(i -> i.id().equals(full.get())).findFirst()
                    .orElseThrow(() -> Failure.ImageNotFound.with("image ID " + text + " is not in local storage (podman images --all lists what is)"));
            return byId(image);
        }
        if (stored.stream().anyMatch(i -> i.names().stream().anyMatch(shortName(text)))) return new Named(text, null);
        List<StoredImage> begins = stored.stream().filter(i -> i.id().startsWith(text)).toList();
        if (begins.size() == 1) return byId(begins.get(0));
        if (stored.stream().anyMatch(i -> i.names().stream().anyMatch(repository(text)))) return new Named(text, null);
        if (begins.isEmpty()) return new Named(text, null); // a name yet to be pulled, as podman would try
        throw Failure.InvalidImage.with("image ID " + text + " is ambiguous: it begins " + begins.size() + " local images' IDs ("
                + describe(begins) + "): give more of the ID, or the image's name");
    }

    /**
     * Refuses (InvalidImage, exit 2) a {@code spec.image} that is the start of a local image's ID: a resource holds
     * a reference, or a full ID; a short ID can come to mean another image, or none, as images come and go.
     * The message names what to write instead.
     */
    public static void requireReference(String field, String text, Supplier<List<StoredImage>> images) {
        if (!ImageRefs.mayBeShortId(text)) return;
        Named named = identify(text, images);
        if (!named.byId()) return;
        throw Failure.InvalidImage.with(field + ": invalid value " + Validation.quote(text) + ": the short ID of local image "
                + (named.untagged() ? "(untagged) " : "") + named.image().shortId() + ", which can come to mean another image: write "
                + field.substring(field.lastIndexOf('.') + 1) + ": " + named.reference()
                + (named.untagged() ? " (its full ID; better, tag it: podman tag " + named.image().shortId() + " NAME:TAG)" : ""));
    }

    private static Named byId(StoredImage image) {
        return new Named(image.names().isEmpty() ? ImageRefs.ofId(image.id()) : image.names().get(0), image);
    }

    /** podman's short-name candidates: {@code abc123:latest} in localhost, a search registry or docker.io/library. */
    private static Predicate<String> shortName(String text) {
        String tagged = text + ":latest";
        return name -> name.equals(tagged) || name.equals("docker.io/library/" + tagged)
                || (name.endsWith("/" + tagged) && name.indexOf('/') == name.length() - tagged.length() - 1);
    }

    /** podman's last resort for a short name: a repository whose last path component it is, tag latest. */
    private static Predicate<String> repository(String text) {
        return name -> name.endsWith("/" + text + ":latest");
    }

    private static String describe(List<StoredImage> images) {
        String shown = images.stream().limit(CANDIDATES_SHOWN)
                .map(i -> i.shortId() + (i.names().isEmpty() ? " untagged" : " " + i.names().get(0)))
                .collect(Collectors.joining(", "));
        return images.size() > CANDIDATES_SHOWN ? shown + " and " + (images.size() - CANDIDATES_SHOWN) + " more" : shown;
    }
}
