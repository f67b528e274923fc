import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

/**
 * What Kafka makes of a client certificate's subject, one JSON request per stdin line, one JSON
 * answer per stdout line:
 *   {"op":"subject","der":"<base64>"}          -> {"ok":true,"name":"CN=…"} (X500Principal.getName())
 *   {"op":"map","rules":"RULE:…,DEFAULT","name":"CN=…"}
 *                                              -> {"ok":true,"name":"…"}, or {"ok":true,"name":null}
 *                                                 when no rule applies
 *   {"op":"parse","rules":"RULE:…"}            -> {"ok":true} or {"ok":false,"error":"…"}
 * The same path as a broker's DefaultKafkaPrincipalBuilder: SslPrincipalMapper over the RFC 2253 name.
 */
public class PrincipalHarness {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
        CertificateFactory certificates = CertificateFactory.getInstance("X.509");
        String line;
        while ((line = in.readLine()) != null) {
            ObjectNode answer = MAPPER.createObjectNode();
            try {
                JsonNode request = MAPPER.readTree(line);
                switch (request.get("op").asText()) {
                    case "subject": {
                        byte[] der = Base64.getDecoder().decode(request.get("der").asText());
                        X509Certificate certificate =
                            (X509Certificate) certificates.generateCertificate(new ByteArrayInputStream(der));
                        answer.put("name", certificate.getSubjectX500Principal().getName());
                        break;
                    }
                    case "map": {
                        SslPrincipalMapper mapper = SslPrincipalMapper.fromRules(request.get("rules").asText());
                        try {
                            answer.put("name", mapper.getName(request.get("name").asText()));
                        } catch (SslPrincipalMapper.NoMatchingRule none) {
                            answer.putNull("name");
                        }
                        break;
                    }
                    case "parse":
                        SslPrincipalMapper.fromRules(request.get("rules").asText());
                        break;
                    default:
                        throw new IllegalArgumentException("unknown op");
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
}
