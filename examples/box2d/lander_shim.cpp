// The Box2D part of the lunar lander (see lander_shim.h). Geometry and
// constants as in Gymnasium's LunarLander-v2: a 20 x 13.3 m world (600 x
// 400 pixels at SCALE 30), gravity -10, 50 steps per second.
#include "lander_shim.h"

#include <box2d/box2d.h>

#include <cmath>
#include <initializer_list>
#include <new>

namespace {

const double SCALE = 30.0;
const double MAIN_ENGINE_POWER = 13.0;
const double SIDE_ENGINE_POWER = 0.6;
const double LEG_AWAY = 20, LEG_DOWN = 18, LEG_W = 2, LEG_H = 8, LEG_SPRING_TORQUE = 40;
const double SIDE_ENGINE_HEIGHT = 14.0, SIDE_ENGINE_AWAY = 12.0;
const double W = 600 / SCALE, H = 400 / SCALE;

enum Part : uintptr_t { NONE = 0, HULL = 1, LEG0 = 2, LEG1 = 3 };

struct Contacts : b2ContactListener {
  bool game_over = false;
  bool leg_contact[2] = {false, false};
  void touch(b2Contact *c, bool begin) {
    uintptr_t a = c->GetFixtureA()->GetBody()->GetUserData().pointer;
    uintptr_t b = c->GetFixtureB()->GetBody()->GetUserData().pointer;
    for (uintptr_t p : {a, b}) {
      if (p == HULL && begin) game_over = true;
      if (p == LEG0 || p == LEG1) leg_contact[p - LEG0] = begin;
    }
  }
  void BeginContact(b2Contact *c) override { touch(c, true); }
  void EndContact(b2Contact *c) override { touch(c, false); }
};

}  // namespace

struct lander_sim {
  b2World *world = nullptr;
  b2Body *hull = nullptr;
  b2Body *legs[2] = {nullptr, nullptr};
  Contacts contacts;
  double chunk_x[LANDER_CHUNKS], smooth_y[LANDER_CHUNKS];
};

extern "C" lander_sim *lander_sim_new(void) { return new (std::nothrow) lander_sim(); }

extern "C" void lander_sim_free(lander_sim *s) {
  if (!s) return;
  delete s->world;
  delete s;
}

extern "C" int lander_sim_reset(lander_sim *s, const double *h, double fx, double fy) {
  delete s->world;
  s->world = new (std::nothrow) b2World(b2Vec2(0.0f, -10.0f));
  if (!s->world) return -1;
  s->contacts = Contacts();
  s->world->SetContactListener(&s->contacts);

  for (int i = 0; i < LANDER_CHUNKS; i++) {
    s->chunk_x[i] = W / (LANDER_CHUNKS - 1) * i;
    s->smooth_y[i] = 0.33 * (h[i == 0 ? LANDER_CHUNKS : i - 1] + h[i] + h[i + 1]);
  }
  b2BodyDef ground_def;
  b2Body *moon = s->world->CreateBody(&ground_def);
  b2EdgeShape edge;
  edge.SetTwoSided(b2Vec2(0, 0), b2Vec2((float)W, 0));
  moon->CreateFixture(&edge, 0.0f);
  for (int i = 0; i < LANDER_CHUNKS - 1; i++) {
    b2EdgeShape e;
    e.SetTwoSided(b2Vec2((float)s->chunk_x[i], (float)s->smooth_y[i]),
                  b2Vec2((float)s->chunk_x[i + 1], (float)s->smooth_y[i + 1]));
    b2FixtureDef fd;
    fd.shape = &e;
    fd.density = 0.0f;
    fd.friction = 0.1f;
    moon->CreateFixture(&fd);
  }

  const double poly[6][2] = {{-14, 17}, {-17, 0}, {-17, -10}, {17, -10}, {17, 0}, {14, 17}};
  b2BodyDef bd;
  bd.type = b2_dynamicBody;
  bd.position.Set((float)(W / 2), (float)H);
  bd.angle = 0.0f;
  bd.userData.pointer = HULL;
  s->hull = s->world->CreateBody(&bd);
  b2Vec2 v[6];
  for (int i = 0; i < 6; i++) v[i].Set((float)(poly[i][0] / SCALE), (float)(poly[i][1] / SCALE));
  b2PolygonShape hull_shape;
  hull_shape.Set(v, 6);
  b2FixtureDef hf;
  hf.shape = &hull_shape;
  hf.density = 5.0f;
  hf.friction = 0.1f;
  hf.restitution = 0.0f;
  hf.filter.categoryBits = 0x0010;
  hf.filter.maskBits = 0x001;
  s->hull->CreateFixture(&hf);
  s->hull->ApplyForceToCenter(b2Vec2((float)fx, (float)fy), true);

  for (int k = 0; k < 2; k++) {
    double i = k == 0 ? -1.0 : 1.0;
    b2BodyDef ld;
    ld.type = b2_dynamicBody;
    ld.position.Set((float)(W / 2 - i * LEG_AWAY / SCALE), (float)H);
    ld.angle = (float)(i * 0.05);
    ld.userData.pointer = k == 0 ? LEG0 : LEG1;
    s->legs[k] = s->world->CreateBody(&ld);
    b2PolygonShape box;
    box.SetAsBox((float)(LEG_W / SCALE), (float)(LEG_H / SCALE));
    b2FixtureDef lf;
    lf.shape = &box;
    lf.density = 1.0f;
    lf.restitution = 0.0f;
    lf.filter.categoryBits = 0x0020;
    lf.filter.maskBits = 0x001;
    s->legs[k]->CreateFixture(&lf);
    b2RevoluteJointDef rj;
    rj.bodyA = s->hull;
    rj.bodyB = s->legs[k];
    rj.localAnchorA.Set(0, 0);
    rj.localAnchorB.Set((float)(i * LEG_AWAY / SCALE), (float)(LEG_DOWN / SCALE));
    rj.enableMotor = true;
    rj.enableLimit = true;
    rj.maxMotorTorque = (float)LEG_SPRING_TORQUE;
    rj.motorSpeed = (float)(0.3 * i);
    if (k == 0) {
      rj.lowerAngle = 0.9f - 0.5f;
      rj.upperAngle = 0.9f;
    } else {
      rj.lowerAngle = -0.9f;
      rj.upperAngle = -0.9f + 0.5f;
    }
    s->world->CreateJoint(&rj);
  }
  return 0;
}

extern "C" void lander_sim_step(lander_sim *s, double m_power, double s_power, double direction,
                                const double *disp, double *state, int *game_over,
                                int *awake) {
  b2Body *l = s->hull;
  double angle = l->GetAngle();
  double tip[2] = {std::sin(angle), std::cos(angle)};
  double side[2] = {-tip[1], tip[0]};
  b2Vec2 pos = l->GetPosition();
  if (m_power > 0) {
    double ox = tip[0] * (4 / SCALE + 2 * disp[0]) + side[0] * disp[1];
    double oy = -tip[1] * (4 / SCALE + 2 * disp[0]) - side[1] * disp[1];
    b2Vec2 at((float)(pos.x + ox), (float)(pos.y + oy));
    l->ApplyLinearImpulse(b2Vec2((float)(-ox * MAIN_ENGINE_POWER * m_power),
                                 (float)(-oy * MAIN_ENGINE_POWER * m_power)),
                          at, true);
  }
  if (s_power > 0) {
    double ox = tip[0] * disp[0] + side[0] * (3 * disp[1] + direction * SIDE_ENGINE_AWAY / SCALE);
    double oy =
        -tip[1] * disp[0] - side[1] * (3 * disp[1] + direction * SIDE_ENGINE_AWAY / SCALE);
    b2Vec2 at((float)(pos.x + ox - tip[0] * 17 / SCALE),
              (float)(pos.y + oy + tip[1] * SIDE_ENGINE_HEIGHT / SCALE));
    l->ApplyLinearImpulse(b2Vec2((float)(-ox * SIDE_ENGINE_POWER * s_power),
                                 (float)(-oy * SIDE_ENGINE_POWER * s_power)),
                          at, true);
  }
  s->world->Step(1.0f / 50.0f, 6 * 30, 2 * 30);
  b2Vec2 p = l->GetPosition(), vel = l->GetLinearVelocity();
  state[0] = p.x;
  state[1] = p.y;
  state[2] = vel.x;
  state[3] = vel.y;
  state[4] = l->GetAngle();
  state[5] = l->GetAngularVelocity();
  state[6] = s->contacts.leg_contact[0] ? 1.0 : 0.0;
  state[7] = s->contacts.leg_contact[1] ? 1.0 : 0.0;
  *game_over = s->contacts.game_over;
  *awake = l->IsAwake();
}

extern "C" void lander_sim_terrain(const lander_sim *s, double *chunk_x, double *smooth_y) {
  for (int i = 0; i < LANDER_CHUNKS; i++) {
    chunk_x[i] = s->chunk_x[i];
    smooth_y[i] = s->smooth_y[i];
  }
}
