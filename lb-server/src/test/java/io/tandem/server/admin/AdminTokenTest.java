package io.tandem.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {

    @TempDir
    Path dir;

    // Only "Bearer <the token>" passes (scheme in any case, the file's trailing newline ignored).
    @Test
    void permitsOnlyTheExactBearerToken() throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "abc123\n");
        AdminToken token = AdminToken.load(file.toString());
        assertThat(token.required()).isTrue();
        assertThat(token.permits("Bearer abc123")).isTrue();
        assertThat(token.permits("bearer abc123")).isTrue();
        assertThat(token.permits("Bearer abc1234")).isFalse();
        assertThat(token.permits("Bearer abc12")).isFalse();
        assertThat(token.permits("Basic abc123")).isFalse();
        assertThat(token.permits("abc123")).isFalse();
        assertThat(token.permits(null)).isFalse();
    }

    // Without a token file every call passes; an empty file is refused at start.
    @Test
    void noFileAllowsEverythingAndEmptyFileIsAnError() throws Exception {
        assertThat(AdminToken.load(null).permits(null)).isTrue();
        Path empty = dir.resolve("empty");
        Files.writeString(empty, "  \n");
        assertThatThrownBy(() -> AdminToken.load(empty.toString()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("admin token file " + empty + " is empty");
    }
}
