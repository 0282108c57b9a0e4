package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;

/** Runs shell commands in a container (as root, with {@code sh -c}). */
record ContainerShell(GenericContainer<?> container) {

    ExecResult run(String script) {
        try {
            return container.execInContainer("sh", "-c", script);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code script}, asserts it exits 0, returns its stdout. */
    String ok(String script) {
        ExecResult r = run(script);
        assertThat(r.getExitCode()).as(script + "\n" + r.getStdout() + r.getStderr()).isZero();
        return r.getStdout();
    }
}
