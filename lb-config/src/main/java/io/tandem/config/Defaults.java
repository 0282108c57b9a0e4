package io.tandem.config;

import java.time.Duration;

/**
 * Every default and limit of the config format, in one place. {@link ConfigKeys}
 * registers them with their keys; docs/configuration.md and docs/tandem.schema.json
 * list the same values, and tests keep all three in step.
 */
public final class Defaults {

    public static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    public static final long CACHE_MEMORY = 256L << 20;
    public static final long CACHE_MAX_OBJECT = 8L << 20;
    public static final Duration CACHE_DEFAULT_TTL = Duration.ZERO;
    public static final Duration CACHE_GRACE = Duration.ofSeconds(10);
    public static final Duration CACHE_STALE_IF_ERROR = Duration.ZERO;
    public static final Duration CACHE_COALESCE_WAIT = Duration.ofSeconds(10);
    /** Varnish's builtin hit-for-miss time. */
    public static final Duration CACHE_HIT_FOR_MISS = Duration.ofSeconds(120);

    public static final Duration LISTENER_HEADER_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration LISTENER_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final int MAX_HEADER_SIZE = 32 * 1024;
    public static final int MAX_URI_LENGTH = 8 * 1024;

    public static final int H2_MAX_CONCURRENT_STREAMS = 128;
    public static final int H2_MAX_HEADER_LIST_SIZE = 32 * 1024;
    public static final int H2_MAX_FRAME_SIZE = 16 * 1024;
    public static final int H2_INITIAL_WINDOW_SIZE = 64 * 1024;
    public static final int H2_CONNECTION_WINDOW_SIZE = 1024 * 1024;
    public static final int H2_MAX_RESETS = 200;
    public static final Duration H2_RESET_WINDOW = Duration.ofSeconds(30);
    public static final int H2_MAX_CONTROL_FRAMES = 100;
    public static final Duration H2_STALL_TIMEOUT = Duration.ofSeconds(30);

    public static final boolean ACCESS_LOG_ENABLED = false;
    public static final AccessLogConfig.Format ACCESS_LOG_FORMAT = AccessLogConfig.Format.TEXT;
    public static final String RESPOND_CONTENT_TYPE = "text/plain; charset=utf-8";
    public static final String BASIC_AUTH_REALM = "Tandem";
    public static final int TRACKED_CLIENTS = 65536;
    public static final SyslogConfig.Transport SYSLOG_TRANSPORT = SyslogConfig.Transport.UDP;
    public static final SyslogConfig.Facility SYSLOG_FACILITY = SyslogConfig.Facility.LOCAL0;
    public static final String SYSLOG_APP_NAME = "tandem";

    public static final boolean TLS_STRICT_SNI = false;
    public static final ListenerTlsConfig.TlsVersion TLS_MIN_VERSION = ListenerTlsConfig.TlsVersion.TLS_1_2;
    /** Mozilla's "intermediate" TLS 1.2 suites, in its order of preference. */
    public static final String TLS_CIPHERS = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
            + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
            + "ECDHE-RSA-CHACHA20-POLY1305";

    public static final String TLS_CLIENT_AUTH = "required";
    public static final String TLS_CLIENT_CERT_HEADER = "X-Client-Cert";

    public static final String ADMIN_BIND = "127.0.0.1:9901";

    public static final StrategyName STRATEGY = StrategyName.ROUND_ROBIN;
    public static final int WEIGHT = 1;
    public static final int MIN_WEIGHT = 1;
    public static final int MAX_WEIGHT = 1000;
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration POOL_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final int RETRIES = 2;
    public static final int MAX_RETRIES = 10;
    public static final Duration SLOW_START = Duration.ZERO;

    /** A pool's TLS checks its backends' certificates unless told not to. */
    public static final boolean BACKEND_TLS_VERIFY = true;

    public static final HealthConfig.Type HEALTH_TYPE = HealthConfig.Type.HTTP;
    public static final String HEALTH_PATH = "/";
    public static final String HEALTH_METHOD = "GET";
    public static final Duration HEALTH_INTERVAL = Duration.ofSeconds(2);
    public static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(1);
    public static final int HEALTH_RISE = 2;
    public static final int HEALTH_FALL = 3;
    public static final String HEALTH_EXPECT_STATUS = "200-399";
    public static final HealthConfig.InitialState HEALTH_INITIAL_STATE = HealthConfig.InitialState.PROBE;

    public static final int OUTLIER_CONSECUTIVE_FAILURES = 5;
    /** Zero: consecutive 5xx responses do not eject unless configured. */
    public static final int OUTLIER_CONSECUTIVE_5XX = 0;
    public static final Duration OUTLIER_EJECTION_TIME = Duration.ofSeconds(30);
    public static final Duration OUTLIER_MAX_EJECTION_TIME = Duration.ofSeconds(300);
    public static final int OUTLIER_MAX_EJECTED_PERCENT = 50;

    public static final int FAILOVER_CLUSTER_ID = 1;
    public static final int FAILOVER_PRIORITY = 100;
    public static final Duration ADVERT_INTERVAL = Duration.ofMillis(100);
    public static final Duration MIN_ADVERT_INTERVAL = Duration.ofMillis(20);
    public static final boolean PREEMPT = true;
    public static final Duration PREEMPT_DELAY = Duration.ZERO;
    /** Requests a pair member sends through its own data path at start before it calls itself ready. */
    public static final int WARM_UP_REQUESTS = 500;
    public static final int MAX_WARM_UP_REQUESTS = 100_000;
    /** Then one request per I/O thread and pool this often, to keep the path warm and connections open. */
    public static final Duration WARM_UP_INTERVAL = Duration.ofSeconds(1);
    public static final String ANNOUNCE_INTERFACE = "lo";
    public static final String ANNOUNCE_NEXT_HOP = "self";
    /** announce.daemon type bird: the include file Tandem renders, and BIRD's control socket. */
    public static final String BIRD_INCLUDE = "/etc/bird/tandem-vips.conf";
    public static final String BIRD_SOCKET = "/run/bird/bird.ctl";
    public static final String GOBGP_API = "127.0.0.1:50051";
    /** Long enough for a router to process a withdraw and stop sending new flows. */
    public static final Duration ANNOUNCE_WITHDRAW_WAIT = Duration.ofSeconds(2);
    public static final Duration ANNOUNCE_CHECK_INTERVAL = Duration.ofMillis(500);
    public static final boolean TRACK_NO_BACKEND_UP = true;
    public static final boolean TRACK_LISTENER_FAILED = true;

    private Defaults() {}

    /** {@code dns:} backends: an answer is trusted at least this long, whatever its TTL (no query storm at TTL 0). */
    public static final Duration DNS_TTL_MIN = Duration.ofSeconds(1);
    /** ... and at most this long, so a long TTL still notices a change within minutes. */
    public static final Duration DNS_TTL_MAX = Duration.ofMinutes(5);
    /** How long an error, NXDOMAIN or empty answer keeps the last good addresses (HAProxy's {@code hold}). */
    public static final Duration DNS_HOLD = Duration.ofSeconds(30);
}
