// The OTLP trace messages the receiver reads and writes, as protobuf schema text for protobufjs.
// Field names, numbers and types are those of opentelemetry-proto (Apache-2.0),
// opentelemetry/proto/{collector/trace,trace,common,resource}/v1 and google/rpc/status.proto,
// limited to what the receiver uses: fields left out (Resource.entity_refs, deprecated ones) are
// unknown fields to the decoder, which skips them, as it skips any field a newer exporter adds.
import { parse, type Type } from 'protobufjs';

// AnyValue: in opentelemetry-proto its seven fields are `oneof value`. On the wire a oneof is the
// same as fields with presence; declared `optional`, protobufjs decodes them without its oneof
// bookkeeping (a delete of every other member for each field set: a third of the decoding time),
// still keeps a false, 0 or "" that was sent, and the decoder tells which one is set by the decoded
// message's own properties.
const otlpTraceProto = `
syntax = "proto3";

package opentelemetry.proto;

message AnyValue {
  optional string string_value = 1;
  optional bool bool_value = 2;
  optional int64 int_value = 3;
  optional double double_value = 4;
  ArrayValue array_value = 5;
  KeyValueList kvlist_value = 6;
  optional bytes bytes_value = 7;
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue {
  string key = 1;
  AnyValue value = 2;
}
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Resource {
  repeated KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
}

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
message ResourceSpans {
  Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ScopeSpans {
  InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  enum SpanKind {
    SPAN_KIND_UNSPECIFIED = 0;
    SPAN_KIND_INTERNAL = 1;
    SPAN_KIND_SERVER = 2;
    SPAN_KIND_CLIENT = 3;
    SPAN_KIND_PRODUCER = 4;
    SPAN_KIND_CONSUMER = 5;
  }
  SpanKind kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
    repeated KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5;
    fixed32 flags = 6;
  }
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status {
  string message = 2;
  enum StatusCode {
    STATUS_CODE_UNSET = 0;
    STATUS_CODE_OK = 1;
    STATUS_CODE_ERROR = 2;
  }
  StatusCode code = 3;
}

// google.rpc.Status, without its details (a repeated google.protobuf.Any).
message RpcStatus {
  int32 code = 1;
  string message = 2;
}
`;

const root = parse(otlpTraceProto, { keepCase: true }).root;

export const exportTraceServiceRequestType: Type = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');
export const exportTraceServiceResponseType: Type = root.lookupType('opentelemetry.proto.ExportTraceServiceResponse');
export const rpcStatusType: Type = root.lookupType('opentelemetry.proto.RpcStatus');
