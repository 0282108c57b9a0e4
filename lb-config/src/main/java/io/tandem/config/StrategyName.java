package io.tandem.config;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The balancing strategies a pool can name, with their config spelling. */
public enum StrategyName {
    ROUND_ROBIN("round-robin"),
    WEIGHTED_ROUND_ROBIN("weighted-round-robin"),
    LEAST_CONNECTIONS("least-connections"),
    POWER_OF_TWO("power-of-two"),
    CONSISTENT_HASH("consistent-hash"),
    RANDOM("random");

    private final String configName;

    StrategyName(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static StrategyName fromConfig(String name) {
        for (StrategyName s : values()) {
            if (s.configName.equals(name)) {
                return s;
            }
        }
        return null;
    }

    public static List<String> configNames() {
        return Arrays.stream(values()).map(StrategyName::configName).collect(Collectors.toList());
    }
}
