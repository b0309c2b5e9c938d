package dev.bootc.pb.store.file;

import dev.bootc.pb.store.VmStoreContract;

import dev.bootc.pb.store.VmStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The store contract on the file store. */
class FileVmStoreTest extends VmStoreContract {
    @TempDir
    Path dir;
    FileVmStore store;

    @BeforeEach
    void open() {
        store = new FileVmStore(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    protected VmStore store() {
        return store;
    }

    @Override
    protected String namespace() {
        return "default";
    }
}
