package io.tandem.server.proxy;

import io.tandem.core.pool.Backend;
import io.tandem.core.strategy.RequestContext;
import java.util.Arrays;
import java.util.List;

/**
 * Which backend a request goes to next: first the one its sticky cookie
 * names (if that one takes requests), else the pool's strategy; never one the
 * request already tried, and never more than {@code retries + 1} of them.
 *
 * <p>One per client connection, begun again for each of its requests (they
 * run one at a time), so a request allocates nothing here. Confined to the
 * client channel's event loop.
 */
final class BackendChoice {

    private PoolRuntime pool;
    private RequestContext request;
    private Backend[] tried = new Backend[0];
    private int limit;
    private int triedCount;
    /** The sticky-session cookie the request carried, or null. */
    private String stickySent;
    /** The first backend was the one the sticky cookie named. */
    private boolean stickyRouted;

    /** Starts the choice for a new request to {@code pool}, forgetting the last request's. */
    void begin(PoolRuntime pool, RequestContext request) {
        Arrays.fill(tried, 0, triedCount, null);
        this.pool = pool;
        this.request = request;
        this.limit = pool.settings().retries() + 1;
        if (tried.length < limit) {
            tried = new Backend[limit];
        }
        triedCount = 0;
        stickySent = null;
        stickyRouted = false;
    }

    /**
     * The next backend to try, counted as tried, or null when none is left:
     * the pool has none up, every live one was tried, or {@code retries} are spent.
     */
    Backend next() {
        if (triedCount >= limit) {
            return null;
        }
        Backend next = triedCount == 0 ? first() : untried();
        if (next != null) {
            tried[triedCount++] = next;
        }
        return next;
    }

    private Backend first() {
        stickySent = StickySessions.sent(pool, request);
        Backend named = StickySessions.named(pool, stickySent);
        if (named != null) {
            stickyRouted = true;
            return named;
        }
        return pool.balancer().pick(request);
    }

    private Backend untried() {
        List<Backend> live = pool.pool().live();
        for (int i = 0; i <= live.size(); i++) {
            Backend b = pool.balancer().pick(request);
            if (b == null) {
                return null;
            }
            if (!wasTried(b)) {
                return b;
            }
        }
        // Random strategies may keep drawing tried ones: take the first untried in order.
        for (Backend b : live) {
            if (!wasTried(b)) {
                return b;
            }
        }
        return null;
    }

    /** Backends tried so far. */
    int tried() {
        return triedCount;
    }

    /** Whether the pool still has a live backend this request has not tried. */
    boolean untriedLive() {
        for (Backend b : pool.pool().live()) {
            if (!wasTried(b)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code b} still takes requests (not drained, down or removed since it was chosen). */
    boolean live(Backend b) {
        return pool.pool().live().contains(b);
    }

    boolean stickyRouted() {
        return stickyRouted;
    }

    /** The {@code Set-Cookie} value the response from {@code answered} gets, or null. */
    String stickyCookie(Backend answered) {
        return StickySessions.cookie(pool, stickySent, answered);
    }

    private boolean wasTried(Backend b) {
        for (int i = 0; i < triedCount; i++) {
            if (tried[i] == b) {
                return true;
            }
        }
        return false;
    }
}
