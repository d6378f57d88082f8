// `mhub doctor --report`: the report has its fields, a real test run of the reference model
// under the venv backend, the error text of a failed Docker run (an unreachable socket inside
// the "home" folder), and neither the home folder nor the user name anywhere.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anonymise, doctorReport, reportMarkdown } from '../../src/runner/doctor-report.ts';
import { venvPython } from '../support/requirements.ts';

describe('mhub doctor --report', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('replaces the home folder and the user name, and only whole words', () => {
    expect(anonymise('/home/ann/x and ann, annex', '/home/ann', 'ann')).toBe('~/x and <user>, annex');
  });

  it.runIf(venvPython())(
    'reports the system and a test run per backend, with no personal paths',
    async () => {
      const root = await mkdtemp(path.join(os.tmpdir(), 'mhub-report-test-'));
      dirs.push(root);
      const user = 'volunteer-ann';
      const home = path.join(root, 'home', user);
      await mkdir(home, { recursive: true });
      const report = await doctorReport({
        models: ['classical_ct'],
        backends: ['docker', 'venv'],
        home: path.join(home, '.cache', 'mhub'),
        dockerSocket: path.join(home, 'no-docker.sock'),
        homeDir: home,
        userName: user,
      });
      expect(report.format).toBe('mhub-doctor-report/1');
      expect(report.system.cores).toBeGreaterThan(0);
      expect(report.system.platform).toBe(os.platform());
      expect(report.python.length).toBeGreaterThan(0);
      expect(report.checks.length).toBeGreaterThan(0);
      expect(report).toHaveProperty('gpu');
      const [docker, venv] = report.testRuns;
      expect(docker).toMatchObject({ model: 'classical_ct', backend: 'docker', ok: false });
      expect(docker?.error).toContain('~/no-docker.sock');
      expect(venv, venv?.error).toMatchObject({ model: 'classical_ct', backend: 'venv', ok: true });
      expect(venv?.durationMs).toBeGreaterThan(0);
      const markdown = reportMarkdown(report);
      expect(markdown).toContain('| classical_ct | venv | ok |');
      for (const text of [JSON.stringify(report), markdown]) {
        expect(text).not.toContain(home);
        expect(text).not.toContain(user);
      }
    },
    300_000,
  );
});
