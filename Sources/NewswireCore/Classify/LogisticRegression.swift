import Foundation

/// Rows of sparse feature values (compressed sparse rows): row r holds `columns[rowStart[r]..<rowStart[r+1]]`.
struct SparseRows: Sendable {
    var rowStart: [Int] = [0]
    var columns: [Int32] = []
    var values: [Double] = []
    let columnCount: Int

    init(columnCount: Int) { self.columnCount = columnCount }

    var count: Int { rowStart.count - 1 }

    mutating func append(_ row: [(column: Int32, value: Double)]) {
        for (c, v) in row { columns.append(c); values.append(v) }
        rowStart.append(columns.count)
    }

    /// The rows at `indices`, in that order.
    func subset(_ indices: [Int]) -> SparseRows {
        var out = SparseRows(columnCount: columnCount)
        for r in indices {
            out.columns.append(contentsOf: columns[rowStart[r]..<rowStart[r + 1]])
            out.values.append(contentsOf: values[rowStart[r]..<rowStart[r + 1]])
            out.rowStart.append(out.columns.count)
        }
        return out
    }

    @inline(__always)
    func dot(_ r: Int, _ w: [Double]) -> Double {
        var z = 0.0
        for k in rowStart[r]..<rowStart[r + 1] { z += values[k] * w[Int(columns[k])] }
        return z
    }
}

/// L2-regularized logistic regression fitted with L-BFGS: minimizes
/// Σᵢ sᵢ·(log(1 + e^zᵢ) − yᵢ·zᵢ) + λ/2·‖w‖², zᵢ = b + w·xᵢ, with the intercept b not regularized.
///
/// Everything runs in a fixed order on one thread, so the same data gives the same bits in every run, which
/// `newswired model train` relies on to reproduce a model file byte for byte.
struct LogisticRegression: Sendable {
    var intercept: Double
    var weights: [Double]

    struct Options: Sendable {
        var lambda: Double
        var maxIterations = 500
        /// Converged when the gradient's largest component is below this (the objective is a sum over items).
        var gradientTolerance = 1e-5
        var memory = 10
    }

    func logit(_ x: SparseRows, _ r: Int) -> Double { intercept + x.dot(r, weights) }

    static func probability(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

    /// Numerically stable log(1 + e^z).
    @inline(__always) static func softplus(_ z: Double) -> Double { z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)) }

    /// Fits from zero, or from `initial` (a fit of the same data with another strength: a warm start).
    static func fit(_ x: SparseRows, labels y: [Double], sampleWeights s: [Double], options o: Options,
                    initial: LogisticRegression?) -> LogisticRegression {
        let n = x.count, d = x.columnCount
        precondition(y.count == n && s.count == n)
        // Parameters: p[0] is the intercept, p[1...] the weights.
        func evaluate(_ p: [Double], _ g: inout [Double]) -> Double {
            for j in g.indices { g[j] = 0 }
            var loss = 0.0
            for r in 0..<n {
                var z = p[0]
                for k in x.rowStart[r]..<x.rowStart[r + 1] { z += x.values[k] * p[Int(x.columns[k]) + 1] }
                loss += s[r] * (softplus(z) - y[r] * z)
                let e = s[r] * (probability(z) - y[r])
                g[0] += e
                for k in x.rowStart[r]..<x.rowStart[r + 1] { g[Int(x.columns[k]) + 1] += e * x.values[k] }
            }
            for j in stride(from: 1, through: d, by: 1) {
                loss += 0.5 * o.lambda * p[j] * p[j]
                g[j] += o.lambda * p[j]
            }
            return loss
        }

        var p = initial.map { [$0.intercept] + $0.weights } ?? [Double](repeating: 0, count: d + 1)
        precondition(p.count == d + 1)
        var g = p
        var f = evaluate(p, &g)
        var sHist: [[Double]] = [], yHist: [[Double]] = [], rho: [Double] = []
        var newP = p, newG = g
        for iteration in 0..<o.maxIterations {
            if g.map(abs).max()! < o.gradientTolerance { break }
            // Two-loop recursion: direction = −H·g.
            var q = g
            var alpha = [Double](repeating: 0, count: sHist.count)
            for i in stride(from: sHist.count - 1, through: 0, by: -1) {
                alpha[i] = rho[i] * dot(sHist[i], q)
                axpy(-alpha[i], yHist[i], &q)
            }
            if let sl = sHist.last, let yl = yHist.last {
                let gamma = dot(sl, yl) / dot(yl, yl)
                for j in q.indices { q[j] *= gamma }
            } else {
                let norm = dot(g, g).squareRoot()
                for j in q.indices { q[j] /= max(norm, 1) }
            }
            for i in 0..<sHist.count {
                let beta = rho[i] * dot(yHist[i], q)
                axpy(alpha[i] - beta, sHist[i], &q)
            }
            var direction = q
            for j in direction.indices { direction[j] = -direction[j] }
            var slope = dot(g, direction)
            if slope >= 0 {   // not a descent direction: restart from steepest descent
                sHist.removeAll(); yHist.removeAll(); rho.removeAll()
                direction = g.map { -$0 / max(dot(g, g).squareRoot(), 1) }
                slope = dot(g, direction)
            }
            // Backtracking line search (Armijo).
            var step = 1.0
            var newF = 0.0
            var accepted = false
            for _ in 0..<40 {
                for j in p.indices { newP[j] = p[j] + step * direction[j] }
                newF = evaluate(newP, &newG)
                if newF <= f + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            guard accepted else { break }
            var sv = newP, yv = newG
            for j in sv.indices { sv[j] -= p[j]; yv[j] -= g[j] }
            let sy = dot(sv, yv)
            if sy > 1e-12 {
                sHist.append(sv); yHist.append(yv); rho.append(1 / sy)
                if sHist.count > o.memory { sHist.removeFirst(); yHist.removeFirst(); rho.removeFirst() }
            }
            let improvement = f - newF
            swap(&p, &newP); swap(&g, &newG); f = newF
            if improvement <= 1e-12 * max(1, abs(f)) && iteration > 0 { break }
        }
        return LogisticRegression(intercept: p[0], weights: Array(p[1...]))
    }

    @inline(__always) private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for j in a.indices { s += a[j] * b[j] }
        return s
    }

    @inline(__always) private static func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        for j in y.indices { y[j] += a * x[j] }
    }
}
