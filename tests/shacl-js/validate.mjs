// Validate RDF files against SHACL shapes with rdf-validate-shacl, a second SHACL engine next to pySHACL.
//
// Reads a JSON list of jobs from standard input, [{"name": "...", "files": ["a.ttl", ...]}, ...], validates
// each job's files (merged) against the shapes file given as the first argument, and writes a JSON object
// {"shapes": <number of node shapes>, "jobs": {"<name>": {"conforms": bool, "results": [...]}}} to standard
// output. Exits with status 2 when the shapes or a data file cannot be read.
import { readFileSync } from 'node:fs'
import rdf from '@zazuko/env-node'
import SHACLValidator from 'rdf-validate-shacl'

const SH = 'http://www.w3.org/ns/shacl#'
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'

function term (t) {
  if (!t) return null
  if (t.termType === 'BlankNode') return '_:' + t.value
  return t.value
}

async function load (files) {
  const dataset = rdf.dataset()
  for (const file of files) {
    await dataset.import(rdf.fromFile(file))
  }
  return dataset
}

async function main () {
  const [shapesFile] = process.argv.slice(2)
  const jobs = JSON.parse(readFileSync(0, 'utf-8'))
  const shapes = await load([shapesFile])
  const validator = new SHACLValidator(shapes, { factory: rdf })
  const nodeShapes = [...shapes.match(null, rdf.namedNode(RDF_TYPE), rdf.namedNode(SH + 'NodeShape'))].length
  const out = { shapes: nodeShapes, jobs: {} }
  for (const job of jobs) {
    const data = await load(job.files)
    const report = await validator.validate(data)
    out.jobs[job.name] = {
      conforms: report.conforms,
      results: report.results.map((r) => ({
        focus: term(r.focusNode),
        path: r.path && r.path.termType === 'NamedNode' ? r.path.value : (r.path ? '(complex)' : null),
        sourceShape: term(r.sourceShape),
        component: term(r.sourceConstraintComponent),
        severity: term(r.severity),
        message: r.message.map((m) => m.value)
      }))
    }
  }
  process.stdout.write(JSON.stringify(out))
}

main().catch((err) => {
  process.stderr.write(`error: ${err.stack || err}\n`)
  process.exit(2)
})
