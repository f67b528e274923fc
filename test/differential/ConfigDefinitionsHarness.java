import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Lists Kafka's own configuration definitions, one JSON request per stdin line, one JSON answer per
 * stdout line:
 *   {"op":"configs","definitions":"broker"}  -> {"ok":true,"configs":[{"name","type","documentation"}]}
 *   {"op":"configs","definitions":"admin"}   (or "producer", "consumer")
 * "broker" is the definition the broker describes its configs from (KafkaConfig.configDef()).
 */
public class ConfigDefinitionsHarness {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            ObjectNode answer = MAPPER.createObjectNode();
            try {
                String definitions = MAPPER.readTree(line).get("definitions").asText();
                ArrayNode configs = answer.putArray("configs");
                for (ConfigDef.ConfigKey key : definition(definitions).configKeys().values()) {
                    ObjectNode config = configs.addObject();
                    config.put("name", key.name);
                    config.put("type", key.type.name());
                    config.put("documentation", key.documentation == null ? "" : key.documentation);
                }
                answer.put("ok", true);
            } catch (Throwable t) {
                answer.removeAll();
                answer.put("ok", false);
                answer.put("error", t.toString());
            }
            out.println(MAPPER.writeValueAsString(answer));
            out.flush();
        }
    }

    private static ConfigDef definition(String name) throws Exception {
        String className;
        switch (name) {
            case "broker": className = "kafka.server.KafkaConfig"; break;
            case "admin": className = "org.apache.kafka.clients.admin.AdminClientConfig"; break;
            case "producer": className = "org.apache.kafka.clients.producer.ProducerConfig"; break;
            case "consumer": className = "org.apache.kafka.clients.consumer.ConsumerConfig"; break;
            default: throw new IllegalArgumentException("unknown definitions " + name);
        }
        return (ConfigDef) Class.forName(className).getMethod("configDef").invoke(null);
    }
}
