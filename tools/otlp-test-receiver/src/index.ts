// Public surface of the OTLP test receiver (private package; TS source imported directly).
export { reservePort, startOtlpReceiver } from './receiver';
export type { OtlpReceiver, OtlpReceiverOptions, OtlpReceiverTlsOptions, ReceivedRequest, ReceiverBehaviour } from './receiver';
export type { Attributes, DecodedLog, DecodedMetricPoint, DecodedScope, DecodedSpan, DecodedSpanKind, Signal } from './decode';
export { createTestCertificates } from './certs';
export type { TestCertificates } from './certs';
