// Problem P of docs/MODEL.md (round model v2, section 8) as a smooth NLP for Ipopt, with
// exact first and second derivatives: the anchor that bench/anchors/anchors.mjs sets
// beside jcpba's `optimal` and `bcd`.
//
//   minimize t  over rho_k in [0, rmax_k], y_k in [Y_MIN, K], t
//   subject to  h_k(rho_k, y_k) - t <= 0                   (k = 1..K)
//               sum_k y_k / K <= 1                          (the band)
//               sum_k w_k rho_k <= budget                   (w normalized to sum 1)
//
// in scaled units: time in units of Tref (the latency of `equal`, so the start point
// rho = 0, y = 1, t = 1 is feasible), bandwidth y_k = K b_k / B (1 = a fair share):
//   h_k = A_k - C_k rho + s (1 - phi_s rho) / f_k(y),   f_k(y) = y log2(1 + alpha_k / y),
//   A_k = (t0_k + c_k) / Tref, C_k = phi_c c_k / Tref, s = S K / (B Tref),
//   alpha_k = p_k g_k K / (N0 B).
//
// --gap G (default 1e-10) is the relative gap to the optimum asked of Ipopt.
// --derivative-test runs Ipopt's finite-difference check of both derivatives instead.
//
// Input (stdin), repeated: a line `problem K B N0 S budget phi_c phi_s`, then K lines
// `c p g w rmax t0`. Output: one JSON line per problem with Ipopt's status, iterations,
// the latency of its point recomputed in SI units after making it feasible (clip rho to
// its box, scale rho down to the budget and b down to the band), and the CPU and wall
// seconds of one OptimizeTNLP call (the mean over enough repeats to fill --min-seconds).
#include <IpIpoptApplication.hpp>
#include <IpSolveStatistics.hpp>
#include <IpTNLP.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace Ipopt;

namespace {

// The least bandwidth a client may get, in fair shares: keeps log(1 + alpha / y) finite
// where Ipopt relaxes the bound; far below any share at an optimum of the generator's problems.
const double Y_MIN = 1e-9;
const double LN2 = 0.6931471805599453;

struct Problem {
  int K = 0;
  double B = 0, N0 = 0, S = 0, budget = 0, phiC = 1, phiS = 1;
  std::vector<double> c, p, g, w, rmax, t0;
};

double rate(double a, double b) { return b * std::log1p(a / b) / LN2; }

/** max_k tau_k in SI units (MODEL.md section 8). */
double latency(const Problem& P, const std::vector<double>& rho, const std::vector<double>& b) {
  double T = 0;
  for (int k = 0; k < P.K; k++) {
    double a = P.p[k] * P.g[k] / P.N0;
    double tau = P.t0[k] + P.c[k] * (1 - P.phiC * rho[k]) + P.S * (1 - P.phiS * rho[k]) / rate(a, b[k]);
    T = std::max(T, tau);
  }
  return T;
}

class Model : public TNLP {
 public:
  explicit Model(const Problem& P) : P_(P), K_(P.K) {
    double wsum = 0;
    for (int k = 0; k < K_; k++) wsum += P.w[k];
    std::vector<double> rho0(K_, 0.0), b0(K_, P.B / K_);
    Tref_ = latency(P, rho0, b0);
    s_ = P.S * K_ / (P.B * Tref_);
    A_.resize(K_);
    C_.resize(K_);
    alpha_.resize(K_);
    wn_.resize(K_);
    for (int k = 0; k < K_; k++) {
      A_[k] = (P.t0[k] + P.c[k]) / Tref_;
      C_[k] = P.phiC * P.c[k] / Tref_;
      alpha_[k] = P.p[k] * P.g[k] * K_ / (P.N0 * P.B);
      wn_[k] = P.w[k] / wsum;
    }
  }

  double Tref() const { return Tref_; }
  const std::vector<double>& x() const { return x_; }
  double objective() const { return obj_; }
  SolverReturn status() const { return status_; }

  bool get_nlp_info(Index& n, Index& m, Index& nnz_jac_g, Index& nnz_h_lag, IndexStyleEnum& style) override {
    n = 2 * K_ + 1;
    m = K_ + 2;
    nnz_jac_g = 3 * K_ + K_ + K_;
    nnz_h_lag = 2 * K_;
    style = C_STYLE;
    return true;
  }

  bool get_bounds_info(Index n, Number* x_l, Number* x_u, Index m, Number* g_l, Number* g_u) override {
    for (int k = 0; k < K_; k++) {
      x_l[k] = 0;
      x_u[k] = P_.rmax[k];
      x_l[K_ + k] = Y_MIN;
      x_u[K_ + k] = K_;
    }
    x_l[2 * K_] = 0;
    x_u[2 * K_] = 2e19;  // above nlp_upper_bound_inf: no bound
    for (int k = 0; k < K_; k++) {
      g_l[k] = -2e19;
      g_u[k] = 0;
    }
    g_l[K_] = -2e19;
    g_u[K_] = 1;
    g_l[K_ + 1] = -2e19;
    g_u[K_ + 1] = P_.budget;
    return true;
  }

  bool get_starting_point(Index n, bool init_x, Number* x, bool init_z, Number*, Number*, Index, bool init_lambda, Number*) override {
    if (init_z || init_lambda) return false;
    for (int k = 0; k < K_; k++) {
      x[k] = 0;
      x[K_ + k] = 1;
    }
    x[2 * K_] = 1;
    return true;
  }

  bool eval_f(Index n, const Number* x, bool, Number& f) override {
    f = x[2 * K_];
    return true;
  }

  bool eval_grad_f(Index n, const Number*, bool, Number* grad) override {
    std::fill(grad, grad + n, 0.0);
    grad[2 * K_] = 1;
    return true;
  }

  // f(y) = y log2(1 + alpha / y) and its first two derivatives.
  static void f_derivs(double alpha, double y, double& f, double& f1, double& f2) {
    double l = std::log1p(alpha / y);
    f = y * l / LN2;
    f1 = (l - alpha / (y + alpha)) / LN2;
    f2 = -alpha * alpha / (y * (y + alpha) * (y + alpha)) / LN2;
  }

  bool eval_g(Index n, const Number* x, bool, Index m, Number* g) override {
    double band = 0, prune = 0;
    for (int k = 0; k < K_; k++) {
      double rho = x[k], y = x[K_ + k];
      if (!(y > 0)) return false;
      double f, f1, f2;
      f_derivs(alpha_[k], y, f, f1, f2);
      g[k] = A_[k] - C_[k] * rho + s_ * (1 - P_.phiS * rho) / f - x[2 * K_];
      band += y / K_;
      prune += wn_[k] * rho;
    }
    g[K_] = band;
    g[K_ + 1] = prune;
    return true;
  }

  bool eval_jac_g(Index n, const Number* x, bool, Index m, Index nele, Index* iRow, Index* jCol, Number* v) override {
    if (v == nullptr) {
      int i = 0;
      for (int k = 0; k < K_; k++) {
        iRow[i] = k, jCol[i++] = k;
        iRow[i] = k, jCol[i++] = K_ + k;
        iRow[i] = k, jCol[i++] = 2 * K_;
      }
      for (int k = 0; k < K_; k++) iRow[i] = K_, jCol[i++] = K_ + k;
      for (int k = 0; k < K_; k++) iRow[i] = K_ + 1, jCol[i++] = k;
      return true;
    }
    int i = 0;
    for (int k = 0; k < K_; k++) {
      double rho = x[k], y = x[K_ + k];
      if (!(y > 0)) return false;
      double f, f1, f2;
      f_derivs(alpha_[k], y, f, f1, f2);
      double u = 1 / f, u1 = -f1 / (f * f);
      v[i++] = -C_[k] - s_ * P_.phiS * u;   // d/drho
      v[i++] = s_ * (1 - P_.phiS * rho) * u1;  // d/dy
      v[i++] = -1;                         // d/dt
    }
    for (int k = 0; k < K_; k++) v[i++] = 1.0 / K_;
    for (int k = 0; k < K_; k++) v[i++] = wn_[k];
    return true;
  }

  // The objective and the two sums are linear: the Hessian of the Lagrangian is
  // sum_k lambda_k times h_k's, with entries (y_k, rho_k) and (y_k, y_k).
  bool eval_h(Index n, const Number* x, bool, Number, Index m, const Number* lambda, bool, Index nele, Index* iRow, Index* jCol, Number* v) override {
    if (v == nullptr) {
      int i = 0;
      for (int k = 0; k < K_; k++) {
        iRow[i] = K_ + k, jCol[i++] = k;
        iRow[i] = K_ + k, jCol[i++] = K_ + k;
      }
      return true;
    }
    int i = 0;
    for (int k = 0; k < K_; k++) {
      double rho = x[k], y = x[K_ + k];
      if (!(y > 0)) return false;
      double f, f1, f2;
      f_derivs(alpha_[k], y, f, f1, f2);
      double u1 = -f1 / (f * f), u2 = (2 * f1 * f1 - f * f2) / (f * f * f);
      v[i++] = lambda[k] * (-s_ * P_.phiS * u1);
      v[i++] = lambda[k] * (s_ * (1 - P_.phiS * rho) * u2);
    }
    return true;
  }

  void finalize_solution(SolverReturn status, Index n, const Number* x, const Number*, const Number*, Index, const Number*, const Number*, Number obj, const IpoptData*, IpoptCalculatedQuantities*) override {
    status_ = status;
    x_.assign(x, x + n);
    obj_ = obj;
  }

 private:
  const Problem& P_;
  int K_;
  double Tref_, s_;
  std::vector<double> A_, C_, alpha_, wn_, x_;
  double obj_ = NAN;
  SolverReturn status_ = INTERNAL_ERROR;
};

/** The latency of Ipopt's point made feasible (rho clipped, then scaled to the budget; b scaled to the band). */
double feasible_latency(const Problem& P, const std::vector<double>& x) {
  int K = P.K;
  std::vector<double> rho(K), b(K);
  double wsum = 0, pruned = 0, band = 0;
  for (int k = 0; k < K; k++) wsum += P.w[k];
  for (int k = 0; k < K; k++) {
    rho[k] = std::min(std::max(x[k], 0.0), P.rmax[k]);
    pruned += P.w[k] / wsum * rho[k];
    b[k] = std::max(x[K + k], Y_MIN) * P.B / K;
    band += b[k];
  }
  if (pruned > P.budget) for (int k = 0; k < K; k++) rho[k] *= P.budget / pruned;
  if (band > P.B) for (int k = 0; k < K; k++) b[k] *= P.B / band;
  return latency(P, rho, b);
}

double seconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

const char* status_name(SolverReturn s) {
  switch (s) {
    case SUCCESS: return "success";
    case MAXITER_EXCEEDED: return "iteration-limit";
    case STOP_AT_ACCEPTABLE_POINT: return "acceptable";
    case LOCAL_INFEASIBILITY: return "locally-infeasible";
    case RESTORATION_FAILURE: return "restoration-failure";
    case ERROR_IN_STEP_COMPUTATION: return "step-error";
    default: return "other";
  }
}

bool read_problem(std::istream& in, Problem& P) {
  std::string word;
  if (!(in >> word)) return false;
  if (word != "problem") throw std::runtime_error("expected 'problem', got '" + word + "'");
  in >> P.K >> P.B >> P.N0 >> P.S >> P.budget >> P.phiC >> P.phiS;
  if (!in || P.K < 1) throw std::runtime_error("bad problem header");
  for (auto* v : {&P.c, &P.p, &P.g, &P.w, &P.rmax, &P.t0}) v->assign(P.K, 0.0);
  for (int k = 0; k < P.K; k++) in >> P.c[k] >> P.p[k] >> P.g[k] >> P.w[k] >> P.rmax[k] >> P.t0[k];
  if (!in) throw std::runtime_error("bad client line");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  double min_seconds = 0.2, gap = 1e-10;
  bool derivative_test = false;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--derivative-test")) derivative_test = true;
    else if (i + 1 < argc && !std::strcmp(argv[i], "--min-seconds")) min_seconds = std::atof(argv[++i]);
    else if (i + 1 < argc && !std::strcmp(argv[i], "--gap")) gap = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: ipopt-model [--gap G] [--min-seconds S] [--derivative-test] < problems\n");
      return 2;
    }
  }
  SmartPtr<IpoptApplication> app = IpoptApplicationFactory();
  app->Options()->SetIntegerValue("print_level", 0);
  app->Options()->SetStringValue("sb", "yes");
  app->Options()->SetIntegerValue("max_iter", 3000);
  if (derivative_test) {
    // Ipopt's finite-difference check of the first and second derivatives at the start
    // point, printed with its report (not JSON): a developer's check of this model.
    app->Options()->SetStringValue("derivative_test", "second-order");
    app->Options()->SetIntegerValue("print_level", 4);
    min_seconds = 0;
  }
  // No options file: a stray ipopt.opt in the working folder must not change the run.
  if (app->Initialize("") != Solve_Succeeded) {
    std::fprintf(stderr, "ipopt-model: Ipopt failed to initialize\n");
    return 1;
  }
  try {
    Problem P;
    while (read_problem(std::cin, P)) {
      // Tolerances per problem: the K latency constraints each leave a complementarity
      // up to Ipopt's tolerance, and their sum is the gap in t (relative, as t* is about
      // 1 in units of Tref), so tol = gap / K. Ipopt's defaults would also stop at a
      // constraint violation of 1e-4 and relax every bound by 1e-8.
      double tol = gap / P.K;
      app->Options()->SetNumericValue("tol", tol);
      app->Options()->SetNumericValue("constr_viol_tol", tol);
      app->Options()->SetNumericValue("compl_inf_tol", tol);
      app->Options()->SetNumericValue("bound_relax_factor", tol);
      SmartPtr<Model> model = new Model(P);
      int repeats = 0, iterations = 0;
      ApplicationReturnStatus rc = Internal_Error;
      double cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID), wall0 = seconds(CLOCK_MONOTONIC), cpu = 0;
      do {
        rc = app->OptimizeTNLP(GetRawPtr(model));
        repeats++;
        cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
      } while (cpu < min_seconds);
      double wall = seconds(CLOCK_MONOTONIC) - wall0;
      SmartPtr<SolveStatistics> stats = app->Statistics();
      iterations = IsValid(stats) ? stats->IterationCount() : -1;
      double T = model->x().empty() ? NAN : feasible_latency(P, model->x());
      std::printf(
          "{\"clients\":%d,\"status\":\"%s\",\"returnCode\":%d,\"iterations\":%d,\"latency\":%.17g,"
          "\"objective\":%.17g,\"cpuSeconds\":%.9g,\"wallSeconds\":%.9g,\"repeats\":%d}\n",
          P.K, status_name(model->status()), (int)rc, iterations, T, model->objective() * model->Tref(), cpu / repeats, wall / repeats, repeats);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ipopt-model: %s\n", e.what());
    return 1;
  }
  return 0;
}
