import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Readable;

/**
 * Converts Kafka messages between JSON and bytes with Kafka's own generated classes, one JSON request
 * per stdin line, one JSON answer per stdout line:
 *   {"op":"encode","class":"MetadataResponseData","version":12,"json":{...}} -> {"ok":true,"bytes":"<base64>"}
 *   {"op":"decode","class":"MetadataResponseData","version":12,"bytes":"<base64>"} -> {"ok":true,"json":{...}}
 * ("class" is the simple name of a generated class in org.apache.kafka.common.message.)
 * Failures answer {"ok":false,"error":"..."} so that one bad case does not end the run.
 */
public class MessageHarness {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final class Classes {
        final Constructor<?> fromBytes;
        final Method fromJson;
        final Method toJson;

        Classes(String className) throws Exception {
            Class<?> data = Class.forName("org.apache.kafka.common.message." + className);
            Class<?> converter = Class.forName("org.apache.kafka.common.message." + className + "JsonConverter");
            fromBytes = data.getConstructor(Readable.class, short.class);
            fromJson = converter.getMethod("read", JsonNode.class, short.class);
            toJson = converter.getMethod("write", data, short.class, boolean.class);
        }
    }

    private static final Map<String, Classes> CLASSES = new HashMap<>();

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            ObjectNode answer = MAPPER.createObjectNode();
            try {
                JsonNode request = MAPPER.readTree(line);
                String name = request.get("class").asText();
                short version = (short) request.get("version").asInt();
                Classes classes = CLASSES.get(name);
                if (classes == null) {
                    classes = new Classes(name);
                    CLASSES.put(name, classes);
                }
                switch (request.get("op").asText()) {
                    case "encode": {
                        Message message = (Message) classes.fromJson.invoke(null, request.get("json"), version);
                        ObjectSerializationCache cache = new ObjectSerializationCache();
                        int size = message.size(cache, version);
                        ByteBuffer buffer = ByteBuffer.allocate(size);
                        message.write(new ByteBufferAccessor(buffer), cache, version);
                        answer.put("ok", true);
                        answer.put("bytes", Base64.getEncoder().encodeToString(buffer.array()));
                        break;
                    }
                    case "decode": {
                        ByteBuffer buffer = ByteBuffer.wrap(Base64.getDecoder().decode(request.get("bytes").asText()));
                        Object message = classes.fromBytes.newInstance(new ByteBufferAccessor(buffer), version);
                        answer.put("ok", true);
                        answer.put("remaining", buffer.remaining());
                        answer.set("json", (JsonNode) classes.toJson.invoke(null, message, version, true));
                        break;
                    }
                    default:
                        throw new IllegalArgumentException("unknown op " + request.get("op"));
                }
            } catch (Throwable t) {
                Throwable cause = t instanceof InvocationTargetException && t.getCause() != null ? t.getCause() : t;
                answer.removeAll();
                answer.put("ok", false);
                answer.put("error", cause.toString());
            }
            out.println(MAPPER.writeValueAsString(answer));
            out.flush();
        }
    }
}
