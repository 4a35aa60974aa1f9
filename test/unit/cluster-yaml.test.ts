import { editYaml } from '../../scripts/cluster/yaml';

const TEMPLATE = `log:
  level: info # noisy

persistence:
  datastores:
    main:
      sql:
        connectAddr: "127.0.0.1:5432"
        maxConns: 20
    other:
      sql:
        connectAddr: "127.0.0.1:5432"

archival:
  history:
    state: "enabled"
#    commented: out

services:
  frontend:
    rpc:
      grpcPort: 7233
`;

describe('editYaml', () => {
  it('when given dotted paths, then sets only those scalars', () => {
    const out = editYaml(TEMPLATE, {
      'persistence.datastores.main.sql.connectAddr': 'db:6543',
      'persistence.datastores.main.sql.maxConns': 5,
      'services.frontend.rpc.grpcPort': 17233,
    });
    expect(out).toContain('    main:\n      sql:\n        connectAddr: "db:6543"\n        maxConns: 5\n');
    expect(out).toContain('    other:\n      sql:\n        connectAddr: "127.0.0.1:5432"\n');
    expect(out).toContain('      grpcPort: 17233');
    expect(out).toContain('level: info # noisy');
  });

  it('when told to drop a top-level section, then removes it with its comments and keeps the next one', () => {
    const out = editYaml(TEMPLATE, {}, ['archival']);
    expect(out).not.toMatch(/archival|enabled|commented/);
    expect(out).toMatch(/^services:\n {2}frontend:/m);
  });

  it('when a path is not in the template, then throws naming it', () => {
    expect(() => editYaml(TEMPLATE, { 'persistence.datastores.main.sql.user': 'x' })).toThrow('persistence.datastores.main.sql.user');
    expect(() => editYaml(TEMPLATE, { 'archival.history.state': 'disabled' }, ['archival'])).toThrow('archival.history.state');
  });
});
