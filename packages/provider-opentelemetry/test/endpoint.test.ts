// How the configured URL becomes an endpoint: protocol inference, TLS choice, signal paths.
import { expect, it } from 'vitest';
import { resolveEndpoint } from '../src/endpoint';
import { settings } from './helpers';

const resolve = (url: string, extra: Parameters<typeof settings>[0] = {}) => resolveEndpoint(settings({ url, ...extra }), process.cwd());

it('infers the protocol from the URL when none is configured', () => {
  expect(resolve('http://localhost:4317').protocol).toBe('grpc');
  expect(resolve('http://collector:4318').protocol).toBe('http/protobuf');
  expect(resolve('https://otlp.example.com/otlp').protocol).toBe('http/protobuf');
  expect(resolve('http://collector:4318', { protocol: 'grpc' }).protocol).toBe('grpc');
});

it('builds per-signal HTTP URLs from a base URL or a signal URL', () => {
  expect(resolve('http://collector:4318').signalUrl('traces')).toBe('http://collector:4318/v1/traces');
  expect(resolve('https://otlp.example.com/otlp/').signalUrl('logs')).toBe('https://otlp.example.com/otlp/v1/logs');
  expect(resolve('http://collector:4318/v1/traces').signalUrl('metrics')).toBe('http://collector:4318/v1/metrics');
});

it('uses TLS for https:// URLs and for insecure: false; plain otherwise', () => {
  expect(resolve('http://localhost:4317').secure).toBe(false);
  expect(resolve('https://localhost:4317').secure).toBe(true);
  const upgraded = resolve('http://collector:4318', { insecure: false });
  expect(upgraded.secure).toBe(true);
  expect(upgraded.signalUrl('traces')).toBe('https://collector:4318/v1/traces');
});

it('rejects what cannot work with a message naming the setting', () => {
  expect(() => resolve('localhost:4317')).toThrow(/plugins\.telemetry\.config\.url/);
  expect(() => resolve('ftp://collector:21')).toThrow(/must start with http:\/\/ or https:\/\//);
  expect(() => resolve('http://localhost:4317', { tls: { ca: __filename } })).toThrow(/set plugins\.telemetry\.config\.insecure to false/);
});
