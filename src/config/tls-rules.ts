// The TLS files a configuration names must be usable when it loads (issue 12): a key that does not
// decrypt or does not match its certificate would otherwise pass `validate` and fail only when the
// first connection needs it. Each problem is reported at the YAML key that names the file.

import type { RawConfiguration, RawTlsKey } from './raw.ts';
import type { RuleContext } from './rules.ts';
import type { Path } from './source.ts';
import { readTlsMaterial, type TlsFileRole } from './tls-material.ts';

/** Checks upstream (`clusterDefinitions[].tls`, `targetCluster.tls`) and gateway TLS files. */
export function checkTlsFiles(ctx: RuleContext, raw: RawConfiguration, file: (name: string) => string): void {
  const check = (path: Path, key: RawTlsKey | undefined, trust: { readonly storeFile?: string } | undefined): void => {
    // A file name the schema walk rejected is absent here and has been reported already.
    const certificateFile = key?.certificateFile;
    const privateKeyFile = key?.privateKeyFile;
    const storeFile = trust?.storeFile;
    const result = readTlsMaterial({
      ...(certificateFile !== undefined && privateKeyFile !== undefined
        ? { certificateFile: file(certificateFile), privateKeyFile: file(privateKeyFile) }
        : {}),
      ...(key?.password !== undefined ? { password: key.password } : {}),
      ...(storeFile !== undefined ? { trustFile: file(storeFile) } : {}),
    });
    if (result.ok) return;
    const where: Record<TlsFileRole, Path> = {
      certificateFile: [...path, 'key', 'certificateFile'],
      privateKeyFile: [...path, 'key', 'privateKeyFile'],
      trustFile: [...path, 'trust', 'storeFile'],
    };
    for (const problem of result.problems) ctx.report('error', problem.message, where[problem.role]);
  };

  raw.clusterDefinitions?.forEach((cluster, i) => {
    if (cluster?.tls !== undefined) check(['clusterDefinitions', i, 'tls'], cluster.tls.key, cluster.tls.trust);
  });
  raw.virtualClusters?.forEach((vc, i) => {
    const inline = vc?.targetCluster?.tls;
    if (inline !== undefined) check(['virtualClusters', i, 'targetCluster', 'tls'], inline.key, inline.trust);
    vc?.gateways?.forEach((gateway, g) => {
      const tls = gateway?.tls;
      if (tls !== undefined) check(['virtualClusters', i, 'gateways', g, 'tls'], tls.key, tls.trust);
    });
  });
}
