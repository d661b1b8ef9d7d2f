// Long-lived alex worker for benchmarks/language.py: reads one JSON string per line on stdin,
// runs alex's in-process text() API on it and prints one JSON line per input:
// {"messages": [{"ruleId", "source", "start", "end", "actual"}], "ms": time taken}.
// Usage: node alex_worker.mjs PATH/TO/node_modules/alex/index.js
import {createInterface} from 'node:readline'
import {pathToFileURL} from 'node:url'

const {text} = await import(pathToFileURL(process.argv[2]).href)
const lines = createInterface({input: process.stdin, crlfDelay: Infinity})
for await (const line of lines) {
  if (!line) continue
  const input = JSON.parse(line)
  const started = process.hrtime.bigint()
  const file = text(input)
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  const messages = file.messages.map((m) => ({
    ruleId: m.ruleId, source: m.source, actual: m.actual,
    start: m.place && m.place.start ? m.place.start.offset : null,
    end: m.place && m.place.end ? m.place.end.offset : null
  }))
  process.stdout.write(JSON.stringify({messages, ms}) + '\n')
}
