package io.tandem.server.proxy;

import io.netty.util.concurrent.FastThreadLocal;
import io.tandem.config.AccessConfig;
import io.tandem.core.limit.WorkBudget;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * HTTP basic authentication (RFC 7617) against the bcrypt hashes of a route's
 * file, checked with BouncyCastle's {@link OpenBSDBCrypt}.
 *
 * <p>A bcrypt check is slow on purpose (about 2 ms at {@code htpasswd -B}'s
 * cost 5, tens of milliseconds at cost 10) and runs on the event loop, so:
 * <ul>
 *   <li>each {@code Authorization} value that was checked is remembered, passed
 *       or failed: a client sends the same value with every request, and only
 *       its first request pays. Each memory holds at most {@link #REMEMBERED}
 *       values and is emptied when full; it belongs to one config load (a reload
 *       starts afresh, so a removed user is locked out at once);</li>
 *   <li>the checks of values not remembered may take at most a quarter of an
 *       event loop's time ({@link SlowWork}, a {@link WorkBudget} per loop).
 *       When a flood of new or wrong credentials has used it up, a request that
 *       would need a check is answered 503 with {@code Retry-After} at once,
 *       instead of every other connection of the loop waiting behind the
 *       hashing; remembered values still pass.</li>
 * </ul>
 * Safe from any event loop.
 */
final class BasicAuth {

    static final int REMEMBERED = 4096;
    private static final String BASIC = "Basic ";

    /** What {@link #check} found. */
    enum Verdict { PASSED, FAILED, BUSY }

    private final Map<String, String> users;
    private final String challenge;
    private final SlowWork slowWork;
    private final Map<String, Boolean> passed = new ConcurrentHashMap<>();
    private final Map<String, Boolean> failed = new ConcurrentHashMap<>();

    static {
        // The first check in a JVM loads and links BouncyCastle's classes, which takes far longer than a
        // check: done here, on the thread loading the config, at the cheapest cost (4), not on an event loop.
        OpenBSDBCrypt.checkPassword("$2y$04$ch05OiMyM8T3Zkrg2r2MWOLJmaYvVwv0tWD2vZFlPXVmSei9xG.2y",
                "s3cret".toCharArray());
    }

    BasicAuth(AccessConfig.BasicAuthConfig config) {
        this(config, SlowWork.EVENT_LOOPS);
    }

    BasicAuth(AccessConfig.BasicAuthConfig config, SlowWork slowWork) {
        this.users = config.users();
        this.challenge = "Basic realm=\"" + config.realm() + "\", charset=\"UTF-8\"";
        this.slowWork = slowWork;
    }

    String challenge() {
        return challenge;
    }

    /**
     * Whether {@code authorization} (the header's value, or null) names a user of the file with its
     * password: {@link Verdict#BUSY} when that needs a check and this thread's share for them is used up.
     */
    Verdict check(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            return Verdict.FAILED;
        }
        if (passed.containsKey(authorization)) {
            return Verdict.PASSED;
        }
        if (failed.containsKey(authorization)) {
            return Verdict.FAILED;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(BASIC.length()).trim()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Verdict.FAILED;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return Verdict.FAILED;
        }
        String hash = users.get(decoded.substring(0, colon));
        // An unknown user is hashed too (against another user's hash, so at the file's cost): how long
        // the 401 takes must not tell which user names exist.
        String against = hash != null ? hash : users.isEmpty() ? null : users.values().iterator().next();
        boolean ok = false;
        if (against != null) {
            WorkBudget budget = slowWork.budget();
            long start = slowWork.clock.getAsLong();
            if (!budget.mayStart(start)) {
                return Verdict.BUSY;
            }
            ok = OpenBSDBCrypt.checkPassword(against, decoded.substring(colon + 1).toCharArray()) && hash != null;
            long end = slowWork.clock.getAsLong();
            budget.spent(end - start, end);
        }
        remember(ok ? passed : failed, authorization);
        return ok ? Verdict.PASSED : Verdict.FAILED;
    }

    private static void remember(Map<String, Boolean> memory, String authorization) {
        if (memory.size() >= REMEMBERED) {
            memory.clear();
        }
        memory.put(authorization, Boolean.TRUE);
    }

    /**
     * The share of each thread's time password checks may take: one {@link WorkBudget} per thread
     * (each event loop has its own, touched only by it), all read from one clock.
     */
    static final class SlowWork {

        /** A quarter of each event loop, up to half a second at once. */
        static final SlowWork EVENT_LOOPS = new SlowWork(0.25, TimeUnit.MILLISECONDS.toNanos(500), System::nanoTime);

        private final LongSupplier clock;
        private final FastThreadLocal<WorkBudget> budgets;

        SlowWork(double share, long burstNanos, LongSupplier clock) {
            this.clock = clock;
            this.budgets = new FastThreadLocal<>() {
                @Override
                protected WorkBudget initialValue() {
                    return new WorkBudget(share, burstNanos, clock.getAsLong());
                }
            };
        }

        WorkBudget budget() {
            return budgets.get();
        }
    }
}
