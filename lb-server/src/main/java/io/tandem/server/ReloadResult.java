package io.tandem.server;

import java.util.List;

/**
 * The outcome of a reload: applied, or refused with every reason (the old
 * config stays in force).
 */
public record ReloadResult(boolean applied, List<String> problems, String summary) {

    public ReloadResult {
        problems = List.copyOf(problems);
    }

    static ReloadResult applied(String summary) {
        return new ReloadResult(true, List.of(), summary);
    }

    static ReloadResult refused(List<String> problems) {
        return new ReloadResult(false, problems, problems.size() + (problems.size() == 1 ? " problem" : " problems")
                + "; the running config stays in force");
    }
}
