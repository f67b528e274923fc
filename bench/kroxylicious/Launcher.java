// Starts Kroxylicious (the reference proxy) from its library, kroxylicious-runtime: Maven Central
// does not carry the project's launcher (kroxylicious-app) or its binary distribution. This does
// what that launcher does for `--config <file>`: parse the file, start the proxy, block.
// Usage: java -cp <classes>:<kroxylicious libs>/* Launcher <config.yaml>

import io.kroxylicious.proxy.KafkaProxy;
import io.kroxylicious.proxy.config.ConfigParser;
import io.kroxylicious.proxy.config.Configuration;
import io.kroxylicious.proxy.internal.config.Features;
import java.nio.file.Files;
import java.nio.file.Path;

public final class Launcher {
    public static void main(String[] args) throws Exception {
        ConfigParser parser = new ConfigParser();
        Configuration configuration = parser.parseConfiguration(Files.readString(Path.of(args[0])));
        try (KafkaProxy proxy = new KafkaProxy(parser, configuration, Features.defaultFeatures())) {
            proxy.startup();
            System.out.println("started");
            proxy.block();
        }
    }
}
