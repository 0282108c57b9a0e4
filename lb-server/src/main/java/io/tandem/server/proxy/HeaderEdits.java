package io.tandem.server.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.tandem.config.RewriteConfig;
import io.tandem.config.Template;
import java.util.List;

/**
 * A route's header edits (set, add, remove) in order, with names interned
 * once per config load. Applying them allocates only for values with
 * variables. Immutable; shared by every event loop.
 */
final class HeaderEdits {

    static final HeaderEdits NONE = new HeaderEdits(List.of());

    private final RewriteConfig.HeaderEdit.Action[] actions;
    private final AsciiString[] names;
    private final Template[] values;

    HeaderEdits(List<RewriteConfig.HeaderEdit> edits) {
        actions = new RewriteConfig.HeaderEdit.Action[edits.size()];
        names = new AsciiString[edits.size()];
        values = new Template[edits.size()];
        for (int i = 0; i < actions.length; i++) {
            actions[i] = edits.get(i).action();
            names[i] = AsciiString.cached(edits.get(i).name());
            values[i] = edits.get(i).value();
        }
    }

    boolean isEmpty() {
        return actions.length == 0;
    }

    void apply(HttpHeaders headers, Template.Values request) {
        for (int i = 0; i < actions.length; i++) {
            switch (actions[i]) {
                case SET -> headers.set(names[i], values[i].expand(request));
                case ADD -> headers.add(names[i], values[i].expand(request));
                case REMOVE -> headers.remove(names[i]);
            }
        }
    }
}
