// Differential oracle for Switchyard's record batches: builds batches with Kafka's own
// MemoryRecordsBuilder and reads bytes with MemoryRecords, answering one JSON line per request line.
// Byte strings travel as base64; 64-bit numbers as decimal strings.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

public class RecordsHarness {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Base64.Encoder B64 = Base64.getEncoder();
  static final Base64.Decoder UNB64 = Base64.getDecoder();

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    String line;
    while ((line = in.readLine()) != null) {
      JsonNode request = JSON.readTree(line);
      ObjectNode answer;
      try {
        switch (request.get("op").asText()) {
          case "build": answer = build(request); break;
          case "marker": answer = marker(request); break;
          case "read": answer = read(request); break;
          default: throw new IllegalArgumentException("unknown op " + request.get("op"));
        }
        answer.put("ok", true);
      } catch (Throwable e) {
        answer = JSON.createObjectNode();
        answer.put("ok", false);
        answer.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      out.println(JSON.writeValueAsString(answer));
    }
  }

  static byte[] bytesOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : UNB64.decode(node.asText());
  }

  static String b64OrNull(ByteBuffer buf) {
    if (buf == null) return null;
    byte[] b = new byte[buf.remaining()];
    buf.duplicate().get(b);
    return B64.encodeToString(b);
  }

  static ObjectNode build(JsonNode r) {
    byte magic = (byte) r.get("magic").asInt();
    Compression compression = Compression.of(CompressionType.forName(r.get("compression").asText())).build();
    TimestampType tsType = r.get("timestampType").asText().equals("LogAppendTime")
        ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
    long baseOffset = Long.parseLong(r.get("baseOffset").asText());
    MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), magic, compression, tsType,
        baseOffset, Long.parseLong(r.get("logAppendTime").asText()), Long.parseLong(r.get("producerId").asText()),
        (short) r.get("producerEpoch").asInt(), r.get("baseSequence").asInt(), r.get("transactional").asBoolean(),
        false, r.get("partitionLeaderEpoch").asInt());
    long offset = baseOffset;
    for (JsonNode rec : r.get("records")) {
      ArrayNode hs = (ArrayNode) rec.get("headers");
      Header[] headers = new Header[hs == null ? 0 : hs.size()];
      for (int i = 0; i < headers.length; i++) {
        headers[i] = new RecordHeader(hs.get(i).get("key").asText(), bytesOrNull(hs.get(i).get("value")));
      }
      builder.appendWithOffset(offset++, Long.parseLong(rec.get("timestamp").asText()), bytesOrNull(rec.get("key")),
          bytesOrNull(rec.get("value")), headers);
    }
    ObjectNode answer = JSON.createObjectNode();
    answer.put("bytes", b64OrNull(builder.build().buffer()));
    return answer;
  }

  static ObjectNode marker(JsonNode r) {
    ControlRecordType type = r.get("type").asText().equals("COMMIT") ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
    MemoryRecords records = MemoryRecords.withEndTransactionMarker(Long.parseLong(r.get("baseOffset").asText()),
        Long.parseLong(r.get("timestamp").asText()), r.get("partitionLeaderEpoch").asInt(),
        Long.parseLong(r.get("producerId").asText()), (short) r.get("producerEpoch").asInt(),
        new EndTransactionMarker(type, r.get("coordinatorEpoch").asInt()));
    ObjectNode answer = JSON.createObjectNode();
    answer.put("bytes", b64OrNull(records.buffer()));
    return answer;
  }

  /** Reads every batch the way a consumer does, checking each with ensureValid(). */
  static ObjectNode read(JsonNode r) {
    MemoryRecords records = MemoryRecords.readableRecords(ByteBuffer.wrap(UNB64.decode(r.get("bytes").asText())));
    ObjectNode answer = JSON.createObjectNode();
    ArrayNode batches = answer.putArray("batches");
    for (MutableRecordBatch batch : records.batches()) {
      batch.ensureValid();
      ObjectNode b = batches.addObject();
      b.put("magic", batch.magic());
      b.put("baseOffset", Long.toString(batch.baseOffset()));
      b.put("lastOffset", Long.toString(batch.lastOffset()));
      b.put("compression", batch.compressionType().name);
      b.put("timestampType", batch.timestampType() == TimestampType.LOG_APPEND_TIME ? "LogAppendTime"
          : batch.timestampType() == TimestampType.CREATE_TIME ? "CreateTime" : null);
      b.put("maxTimestamp", Long.toString(batch.maxTimestamp()));
      b.put("transactional", batch.isTransactional());
      b.put("control", batch.isControlBatch());
      b.put("producerId", Long.toString(batch.producerId()));
      b.put("producerEpoch", batch.producerEpoch());
      b.put("baseSequence", batch.baseSequence());
      b.put("partitionLeaderEpoch", batch.partitionLeaderEpoch());
      if (batch instanceof DefaultRecordBatch d) b.put("baseTimestamp", Long.toString(d.baseTimestamp()));
      ArrayNode recs = b.putArray("records");
      for (Record rec : batch) {
        rec.ensureValid();
        ObjectNode o = recs.addObject();
        o.put("offset", Long.toString(rec.offset()));
        o.put("timestamp", Long.toString(rec.timestamp()));
        o.put("key", b64OrNull(rec.key()));
        o.put("value", b64OrNull(rec.value()));
        ArrayNode hs = o.putArray("headers");
        for (Header h : rec.headers()) {
          ObjectNode ho = hs.addObject();
          ho.put("key", h.key());
          ho.put("value", h.value() == null ? null : B64.encodeToString(h.value()));
        }
        if (batch.isControlBatch()) {
          EndTransactionMarker m = EndTransactionMarker.deserialize(rec);
          o.put("controlType", m.controlType().name());
          o.put("coordinatorEpoch", m.coordinatorEpoch());
        }
      }
    }
    return answer;
  }
}
