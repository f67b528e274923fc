import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;

// Prints Kafka's error table as JSON lines; the specs do not carry it.
public class ErrorsDump {
    public static void main(String[] args) {
        for (Errors e : Errors.values()) {
            boolean retriable = e.exception() instanceof RetriableException;
            System.out.println("{\"code\":" + e.code() + ",\"name\":\"" + e.name() + "\",\"retriable\":" + retriable + "}");
        }
    }
}
