/** Collector config structure: pipelines and the components they reference. */
import { at, isObject, type JsonObject } from '../helpers.ts';

const SECTIONS = { receivers: 'receivers', processors: 'processors', exporters: 'exporters' } as const;
type Section = keyof typeof SECTIONS;

export function pipelines(config: JsonObject): [string, JsonObject][] {
  const p = at(config, 'service', 'pipelines');
  if (!isObject(p)) throw new Error('service.pipelines is missing');
  return Object.entries(p).map(([name, value]) => {
    if (!isObject(value)) throw new Error(`service.pipelines.${name} is not a mapping`);
    return [name, value];
  });
}

export function names(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`${where} is not a list of names`);
  return value as string[];
}

/** Problems with component references: undefined ones used, defined ones never used. */
export function referenceProblems(config: JsonObject): string[] {
  const problems: string[] = [];
  const used: Record<Section, Set<string>> = { receivers: new Set(), processors: new Set(), exporters: new Set() };
  for (const [pipeline, body] of pipelines(config)) {
    if (!/^(traces|metrics|logs)(\/.+)?$/.test(pipeline)) problems.push(`pipeline "${pipeline}" has no signal type`);
    for (const section of Object.keys(SECTIONS) as Section[]) {
      const list = section === 'processors' ? (body[section] ?? []) : body[section];
      for (const name of names(list, `service.pipelines.${pipeline}.${section}`)) {
        used[section].add(name);
        if (!isObject(config[section]) || !(name in (config[section] as JsonObject))) {
          problems.push(`service.pipelines.${pipeline}.${section} uses "${name}", which ${section} does not define`);
        }
      }
    }
  }
  for (const section of Object.keys(SECTIONS) as Section[]) {
    for (const name of Object.keys((config[section] as JsonObject | undefined) ?? {})) {
      if (!used[section].has(name)) problems.push(`${section}.${name} is defined but no pipeline uses it`);
    }
  }
  const extensions = (config.extensions as JsonObject | undefined) ?? {};
  const enabled = names(at(config, 'service', 'extensions') ?? [], 'service.extensions');
  for (const name of enabled) if (!(name in extensions)) problems.push(`service.extensions enables "${name}", which extensions does not define`);
  for (const name of Object.keys(extensions)) if (!enabled.includes(name)) problems.push(`extensions.${name} is defined but not enabled`);
  return problems;
}
